/* A plain main() for the fuzz targets (p11-kit's pattern): replays every file
 * named on the command line, or every file in a named directory, through
 * LLVMFuzzerTestOneInput. Lets `make check` run the committed corpus with gcc
 * and ASan, no libFuzzer needed. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#define HAVE_SANITIZER 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input being replayed, named when a property or a sanitizer fires. */
static const char *volatile current;

static void say_current(void)
{
	const char *c = current;

	if (c) {
		(void)!write(2, "replay: failing input: ", 23);
		(void)!write(2, c, strlen(c));
		(void)!write(2, "\n", 1);
	}
}

static void on_abort(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!fp) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(buf, nc);
			if (!p) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = p;
			cap = nc;
		}
		n = fread(buf + len, 1, cap - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		perror(path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	current = path;
	LLVMFuzzerTestOneInput(buf, len);
	current = NULL;
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay a file, or every regular file in a folder (not recursively).
 * Returns the number of files replayed, -1 on error. */
static long replay(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	long count = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	if (!(d = opendir(path))) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat es;
		char *full;

		if (de->d_name[0] == '.')
			continue;
		if (!(full = malloc(strlen(path) + strlen(de->d_name) + 2)))
			break;
		sprintf(full, "%s/%s", path, de->d_name);
		if (stat(full, &es) != 0 || !S_ISREG(es.st_mode)) {
			free(full);
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **p = realloc(names, nc * sizeof(*p));
			if (!p) {
				free(full);
				break;
			}
			names = p;
			cap = nc;
		}
		names[n++] = full;
	}
	closedir(d);
	/* Sorted, so a failure is reproducible by position. */
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		if (count >= 0 && replay_file(names[i]) == 0)
			count++;
		else
			count = -1;
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	signal(SIGABRT, on_abort);
	signal(SIGSEGV, on_abort);
#ifdef HAVE_SANITIZER
	__sanitizer_set_death_callback(say_current);
#endif
	for (int i = 1; i < argc; i++) {
		long r = replay(argv[i]);
		if (r < 0)
			return 1;
		total += r;
	}
	fprintf(stderr, "%s: replayed %ld inputs\n", argv[0], total);
	return 0;
}
