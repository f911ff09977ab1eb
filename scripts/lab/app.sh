#!/usr/bin/env bash
# The stand-in TIP app of the ThreatConnect lab (sourced by lab.sh; needs common.sh): per site
# lab/standinApp.ts through dist/lab/appctl.js, keeping indicators in its site's MariaDB,
# running scheduled jobs (--monitors on) and answering ThreatConnect's v3 API as the drill's API
# user drillbook-lab, whose secret key it creates in secrets/tc-api.password at its first start.
# This is the one place its arguments are written: plans/lab.yaml starts and stops it with
# `lab.sh start|stop app SITE`, and `lab.sh up` (npx drillbook lab up) starts the primary's the
# same way, so the lab and the plan's checks cannot disagree. `up` starts the primary's only: the
# secondary's waits for a failover, as a standby site's application servers do.

APPCTL="$LAB_REPO_ROOT/dist/lab/appctl.js"
APP_ACCESS_ID=drillbook-lab

app_ctl() { # app_ctl start|stop|status SITE
  [ -f "$APPCTL" ] || { fail "app: the stand-in app is not built: run npm run build"; return 1; }
  local extra=()
  if [ "$1" = start ]; then
    [ -s "$LAB_SECRETS/mysql-app.password" ] || { fail "app $2: $LAB_SECRETS/mysql-app.password is missing: bring MariaDB up first (lab.sh up mariadb)"; return 1; }
    extra=(--db "$LAB_HOST:$(port_of mariadb "$2")" --db-password-file "$LAB_SECRETS/mysql-app.password" --monitors on
      --personality threatconnect --access-id "$APP_ACCESS_ID" --secret-file "$LAB_SECRETS/tc-api.password")
  fi
  node "$APPCTL" "$1" "$2" --port "$(port_of app "$2")" --dir "$LAB_DIR" "${extra[@]}" 9>&-
}
app_start() {
  # An app started without the ThreatConnect personality (by an older `lab up`) answers its API with
  # 404, where the personality asks for the signature (401): restart it the way the plan starts it.
  local code; code="$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://$LAB_HOST:$(port_of app "$1")/api/v3/security/owners" 2>/dev/null)"
  if [ "$code" = 404 ]; then log "app $1: running without the ThreatConnect personality; restarting it as plans/lab.yaml starts it"; app_ctl stop "$1" || return 1; fi
  app_ctl start "$1"
}
app_stop() { app_ctl stop "$1"; }
app_kill() { # as in a crash
  local p; p="$(pid_from "$LAB_DIR/app-$1.pid")"
  if pid_alive "$p"; then kill -KILL "$p"; rm -f "$LAB_DIR/app-$1.pid"; log "app $1: killed (SIGKILL pid $p)"; else log "app $1: already stopped"; fi
}
app_up() { app_start primary; }
app_down() { app_stop secondary; app_stop primary; }
app_status() { # the secondary's app stopped is the standby's normal state
  local s="$1" port; port="$(port_of app "$s")"
  local health; health="$(curl -fsS -m 2 "http://$LAB_HOST:$port/health" 2>/dev/null)"
  if [ -n "$health" ]; then printf 'app        %-9s up    http://%s:%s %s\n' "$s" "$LAB_HOST" "$port" "$health"
  else printf 'app        %-9s down  http://%s:%s\n' "$s" "$LAB_HOST" "$port"; [ "$s" = secondary ]; fi
}
