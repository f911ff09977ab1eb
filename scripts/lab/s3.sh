#!/usr/bin/env bash
# S3 for the OpenCTI lab (sourced; needs common.sh and opencti-ports.sh): one moto server
# (tools/venv, FIELD-NOTES 10.2) holding a bucket per site, opencti-primary in eu-west-1 and
# opencti-secondary in eu-central-1, both versioned, with replication rules both ways.
# moto STORES the replication rules but COPIES NOTHING and reports no ReplicationStatus: objects
# reach the other bucket only through the plan's copy step (dist/lab/s3copy.js).
# Credentials are moto's (any key works): AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test.

S3_VENV="${DRILLBOOK_TOOLS_DIR:-$LAB_REPO_ROOT/tools}/venv"
s3_dir() { echo "$LAB_DIR/s3"; }
s3_url() { echo "http://$LAB_HOST:$S3_PORT"; }
s3_bucket() { echo "opencti-$1"; }
s3_region() { if [ "$1" = primary ]; then echo eu-west-1; else echo eu-central-1; fi; }
s3_pid() { pid_from "$(s3_dir)/moto.pid"; }
s3_running() { pid_alive "$(s3_pid)"; }

s3_py() { # the buckets are made with boto3 from moto's own venv
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-west-1 "$S3_VENV/bin/python" -c "$1"
}

s3_buckets() {
  s3_py "
import boto3
client = lambda region: boto3.client('s3', endpoint_url='$(s3_url)', region_name=region)
s3 = client('eu-west-1')
sites = {'primary': ('$(s3_bucket primary)', '$(s3_region primary)'), 'secondary': ('$(s3_bucket secondary)', '$(s3_region secondary)')}
have = {b['Name'] for b in s3.list_buckets()['Buckets']}
for bucket, region in sites.values():
    if bucket not in have:
        client(region).create_bucket(Bucket=bucket, CreateBucketConfiguration={'LocationConstraint': region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={'Status': 'Enabled'})
for src, dst in ((sites['primary'][0], sites['secondary'][0]), (sites['secondary'][0], sites['primary'][0])):
    s3.put_bucket_replication(Bucket=src, ReplicationConfiguration={'Role': 'arn:aws:iam::123456789012:role/opencti-replication',
        'Rules': [{'ID': 'to-' + dst, 'Priority': 1, 'Status': 'Enabled', 'Filter': {}, 'DeleteMarkerReplication': {'Status': 'Disabled'},
                   'Destination': {'Bucket': 'arn:aws:s3:::' + dst}}]})
"
}

s3_up() {
  local t0; t0="$(now_s)"
  if ! s3_running; then
    [ -x "$S3_VENV/bin/moto_server" ] || { fail "s3: $S3_VENV/bin/moto_server not found; run scripts/install-lab-deps.sh"; return 1; }
    if port_in_use "$S3_PORT"; then fail "s3: port $S3_PORT is already in use"; return 1; fi
    mkdir -p "$(s3_dir)"
    (exec setsid "$S3_VENV/bin/moto_server" -H "$LAB_HOST" -p "$S3_PORT" </dev/null >>"$(s3_dir)/moto.log" 2>&1 9>&-) &
    echo $! >"$(s3_dir)/moto.pid"
    wait_until "$LAB_TIMEOUT" "moto on $S3_PORT" curl -sf --max-time 2 "$(s3_url)/moto-api/" || return 1
  fi
  s3_buckets || { fail "s3: could not create the buckets"; return 1; }
  log "s3: moto at $(s3_url) with $(s3_bucket primary) ($(s3_region primary)) and $(s3_bucket secondary) ($(s3_region secondary)), versioned, replication rules stored (moto copies nothing) ($(elapsed "$t0")s)"
}
s3_start() { s3_up; }
s3_down() {
  local p; p="$(s3_pid)"
  if pid_alive "$p"; then kill -TERM "$p"; local i=0; while pid_alive "$p" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; pid_alive "$p" && kill -KILL "$p"; fi
  rm -f "$(s3_dir)/moto.pid"
  log "s3: moto stopped (its buckets were in memory)"
}
s3_stop() { s3_down; }
s3_kill() { local p; p="$(s3_pid)"; pid_alive "$p" && kill -KILL "$p"; rm -f "$(s3_dir)/moto.pid"; log "s3: moto killed"; }
s3_status() {
  if s3_running && curl -sf --max-time 2 "$(s3_url)/moto-api/" >/dev/null; then printf 's3         %-9s up    %s bucket %s\n' "$1" "$(s3_url)" "$(s3_bucket "$1")"
  else printf 's3         %-9s down  %s\n' "$1" "$(s3_url)"; return 1; fi
}
