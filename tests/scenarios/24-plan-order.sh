# plan's order on a larger change: CallManager of two TFTP nodes (one at a
# time), CAPF (LSCs reissued), Tomcat and ipsec (services only).
cluster_certs
cluster_file 11.5 >cluster.ini
published
plan_steps "many certificates" 0 -- -r callmanager@pub,callmanager@sub1,capf@pub,tomcat@sub2,ipsec@pub \
	-c cluster.ini --current CTLFile.tlv --itl ITLFile.tlv
plan_has "one TFTP node at a time" 'any("one TFTP node at a time" in r for r in d["rules"])'
plan_has "each CallManager: regenerate, update the CTL, restart, reset, before the next" '
[i for i, x in enumerate(t) if "CallManager certificate of pub" in x][0] < [i for i, x in enumerate(k) if x == "reset-phones"][1] < [i for i, x in enumerate(t) if "CallManager certificate of sub1" in x][0]'
plan_has "CAPF: LSCs reissued after the phones took the CTL" 'k.index("reissue-lsc") > k.index("reset-phones")'
plan_has "the CTL is updated before services restart" 'all(k.index("update-ctl") < k.index("restart") for _ in [0])'
plan_has "restarts named" 'any("Cisco Certificate Authority Proxy Function" in x for x in t) and any("Cisco Tomcat on sub2" in x for x in t) and any("Cisco DRF Local on pub" in x for x in t) and any("Cisco CallManager, Cisco TFTP and Cisco CTIManager on sub1" in x for x in t)'
plan_has "every judged step accepted" 'v and all(x == "accepted" for x in v)'
