/* The output lock and the atomic writer's API (the fault injection at each
 * step of the write is tests/e2e/faults.sh's). */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

static char dir[64];
static char out[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ctlsign-io-test.XXXXXX");
	cr_assert(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/CTLFile.tlv", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(io, .init = setup, .fini = teardown, .timeout = 20);

static int entries(void)
{
	char cmd[160];
	FILE *p;
	int n = 0, c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	cr_assert((p = popen(cmd, "r")));
	while ((c = fgetc(p)) != EOF)
		n += c == '\n';
	pclose(p);
	return n;
}

Test(io, lock_errors_name_the_lock_file)
{
	ctl_err err;
	int fd = 7;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_output_lock("/nonexistent-folder/CTLFile.tlv", NULL, NULL, &fd, &err), CTL_E_IO);
	cr_assert_eq(fd, -1);
	cr_assert(strstr(err.msg, "`/nonexistent-folder/CTLFile.tlv.lock'"), "%s", err.msg);
}

Test(io, lock_file_is_never_followed_through_a_link)
{
	char lock[160];
	ctl_err err;
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", out);
	cr_assert_eq(symlink("/tmp/ctlsign-io-test-target-never-created", lock), 0);
	cr_assert_eq(ctl_output_lock(out, NULL, NULL, &fd, &err), CTL_E_IO);
	cr_assert(strstr(err.msg, lock), "%s", err.msg);
	cr_assert_neq(access("/tmp/ctlsign-io-test-target-never-created", F_OK), 0);
}

/* A caller that took the lock itself says so; the writer must not wait for
 * it (that would wait forever: flock locks are per open file). */
Test(io, write_under_the_callers_lock)
{
	static const uint8_t a[] = "first", b[] = "second";
	ctl_write_opts wo = {.mode = 0644, .backup = 1, .locked = 1};
	ctl_err err;
	int fd;

	cr_assert_eq(ctl_output_lock(out, NULL, NULL, &fd, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(ctl_write_atomic(out, b, sizeof(b), &wo, &err), CTL_OK, "%s", err.msg);
	ctl_output_unlock(fd);
	cr_assert_eq(entries(), 3, "only the file, its backup and the lock");
}

/* Unlocked, the writer takes the lock itself: a second holder (another open
 * file, as another process would have) makes it wait. */
Test(io, write_takes_the_lock_itself)
{
	static const uint8_t a[] = "first";
	ctl_write_opts wo = {.mode = 0644, .backup = 1};
	char lock[160];
	ctl_err err;
	int fd;

	cr_assert_eq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_OK, "%s", err.msg);
	snprintf(lock, sizeof(lock), "%s.lock", out);
	cr_assert((fd = open(lock, O_RDONLY)) >= 0, "no lock file %s", lock);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0, "the writer kept the lock");
	close(fd);
}

Test(io, backup_and_new_file)
{
	static const uint8_t a[] = "first", b[] = "second", c[] = "third";
	ctl_write_opts wo = {.mode = 0640, .backup = 1};
	char bak[160];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;
	ctl_err err;

	snprintf(bak, sizeof(bak), "%s.bak", out);
	cr_assert_eq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_neq(access(bak, F_OK), 0, "a backup of nothing");
	cr_assert_eq(ctl_write_atomic(out, b, sizeof(b), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(ctl_write_atomic(out, c, sizeof(c), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(ctl_read_file(out, 100, &buf, &len, &err), CTL_OK);
	cr_assert(len == sizeof(c) && !memcmp(buf, c, len));
	free(buf);
	cr_assert_eq(ctl_read_file(bak, 100, &buf, &len, &err), CTL_OK);
	cr_assert(len == sizeof(b) && !memcmp(buf, b, len), "the backup is the previous file");
	free(buf);
	cr_assert_eq(stat(out, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(entries(), 3);
	cr_assert_not(ctl_write_abort(SIGINT), "nothing in progress");
}

Test(io, refuses_a_symbolic_link)
{
	static const uint8_t a[] = "x";
	ctl_write_opts wo = {.mode = 0644, .backup = 1};
	ctl_err err;

	cr_assert_eq(symlink("elsewhere", out), 0);
	cr_assert_eq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_E_IO);
	cr_assert(strstr(err.msg, "symbolic link"), "%s", err.msg);
}

Test(io, same_bytes_twice_keeps_a_true_backup)
{
	static const uint8_t a[] = "same";
	ctl_write_opts wo = {.mode = 0644, .backup = 1};
	char bak[160];
	struct stat s1, s2;
	ctl_err err;

	snprintf(bak, sizeof(bak), "%s.bak", out);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(stat(out, &s1), 0);
	cr_assert_eq(stat(bak, &s2), 0);
	cr_assert_neq(s1.st_ino, s2.st_ino, "the backup is its own file, not the output again");
	/* NAME, NAME.bak and the lock file: no temporary file left behind. */
	cr_assert_eq(entries(), 3);
}

Test(io, without_backup_no_bak_is_made)
{
	static const uint8_t a[] = "one", b[] = "two";
	ctl_write_opts wo = {.mode = 0600, .backup = 0};
	char bak[160];
	ctl_err err;

	snprintf(bak, sizeof(bak), "%s.bak", out);
	cr_assert_eq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(ctl_write_atomic(out, b, sizeof(b), &wo, &err), CTL_OK, "%s", err.msg);
	cr_assert_neq(access(bak, F_OK), 0);
	cr_assert_eq(entries(), 2);
}

Test(io, a_directory_or_a_missing_folder_is_refused_and_left_as_it_was)
{
	static const uint8_t a[] = "x";
	ctl_write_opts wo = {.mode = 0644, .backup = 1};
	char missing[192];
	ctl_err err;

	cr_assert_eq(mkdir(out, 0755), 0);
	cr_assert_neq(ctl_write_atomic(out, a, sizeof(a), &wo, &err), CTL_OK);
	cr_assert_eq(entries(), 2, "the directory and its lock file only: nothing else written");
	snprintf(missing, sizeof(missing), "%s/no/such/CTLFile.tlv", dir);
	cr_assert_neq(ctl_write_atomic(missing, a, sizeof(a), &wo, &err), CTL_OK);
	cr_assert_eq(entries(), 2);
}

Test(io, an_overlong_path_is_refused_before_anything_is_written)
{
	ctl_write_opts wo = {.mode = 0644, .backup = 1};
	char *path = malloc(CTL_PATH_MAX + 16);
	ctl_err err;

	cr_assert(path);
	memset(path, 'a', CTL_PATH_MAX + 15);
	path[0] = '/';
	path[CTL_PATH_MAX + 15] = '\0';
	cr_assert_neq(ctl_write_atomic(path, (const uint8_t *)"x", 1, &wo, &err), CTL_OK);
	free(path);
	cr_assert_eq(entries(), 0);
}
