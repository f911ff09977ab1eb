#!/usr/bin/env bash
# Ports of the MISP lab's servers (sourced after common.sh, which reads DRILLBOOK_LAB_PORT_OFFSET).
# The bases sit in 25000-25999, a band the ThreatConnect lab (3316, 5433, 9200…) and the OpenCTI
# lab (7000-7999) leave free at any offset up to 17000, so all three labs run side by side. Keep the
# offset at or under 7000 here: 25999 + offset must stay below 32768 (Linux's ephemeral ports).

# MariaDB master-master pair, MISP's database (mariadb.sh reads these through port_of).
MARIADB_PORT_primary=$((25316 + LAB_OFFSET)); MARIADB_PORT_secondary=$((25326 + LAB_OFFSET))
# HAProxy: the frontend users reach, and the runtime API at admin level on loopback TCP (the plan
# names it; a UNIX socket in the lab dir would exceed the 108-byte path limit in deep checkouts).
MISP_FRONTEND_PORT=$((25080 + LAB_OFFSET))
HAPROXY_API_PORT=$((25083 + LAB_OFFSET))
# The stand-in MISP node of each site (lab/standinApp.ts with --webroot).
MISP_NODE_primary=$((25081 + LAB_OFFSET)); MISP_NODE_secondary=$((25082 + LAB_OFFSET))

misp_port() { # misp_port NAME [SITE]
  local v
  case "$1" in
    mariadb) v="MARIADB_PORT_$2";; node) v="MISP_NODE_$2";;
    frontend) echo "$MISP_FRONTEND_PORT"; return 0;;
    haproxy-api) echo "$HAPROXY_API_PORT"; return 0;;
    *) return 1;;
  esac
  echo "${!v}"
}
