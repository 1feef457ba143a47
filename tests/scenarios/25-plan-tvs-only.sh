# plan on 11.5 when the cluster file names no key phones hold besides the
# signer's: the CallManager change reaches only phones that can ask TVS,
# and the update command says --via-tvs.
cluster_certs
cluster_file 11.5 >cluster.ini
published
sed '/-key = /d' cluster.ini >nokeys.ini
plan_steps "no bridge key" 0 -- -r callmanager@pub -c nokeys.ini --current CTLFile.tlv --itl ITLFile.tlv
plan_has "tvs-only, said" 'd["result"] == "tvs-only" and "accepted-via-tvs" in v'
plan_has "the command accepts TVS knowingly" '"--via-tvs" in [s for s in d["steps"] if s["kind"] == "update-ctl"][0]["command"]'
