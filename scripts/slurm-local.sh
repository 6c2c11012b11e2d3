#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, to run sweeps through hydra/launcher=submitit_slurm
# for real (docs/scaling.md). Usage: scripts/slurm-local.sh setup|teardown|status|env
#
#   setup     start munged, MariaDB, slurmdbd, slurmctld and slurmd (this host is the one node)
#   teardown  stop them and delete the state folder
#   status    which daemons run, and sinfo
#   env       print the line that points SLURM's commands at this cluster: eval "$(... env)"
#
# Everything (configs, keys, databases, spools, logs, pid files) lives under one folder the script
# owns, $SLURM_LOCAL_DIR (default /tmp/outreach-slurm), so nothing in /etc is changed and teardown
# leaves nothing behind. Needs root and Debian's packages:
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge slurmdbd mariadb-server
# slurmdbd (and so MariaDB) is here because submitit asks sacct for a job's state: without
# accounting, sacct fails, and a task that ends without a result (scancel) is never seen to end.
# No systemd and no cgroups: the daemons are started directly, processes tracked by
# proctrack/linuxproc. Environment: SLURM_LOCAL_MAX_ARRAY (MaxArraySize, default 1001 as SLURM's
# own default), SLURM_LOCAL_PORT (first of three ports, default 6817 as SLURM's).
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-/tmp/outreach-slurm}
MAX_ARRAY=${SLURM_LOCAL_MAX_ARRAY:-1001}
PORT=${SLURM_LOCAL_PORT:-6817}
CLUSTER=outreach-local
PARTITION=local
CONF=$DIR/etc/slurm.conf
MUNGE_SOCKET=$DIR/munge/munge.socket.2
DB_SOCKET=$DIR/mysql/mysqld.sock
DB_PORT=$((PORT + 3))

die() { echo "slurm-local: $*" >&2; exit 2; }
say() { echo "slurm-local: $*"; }

# pid of a daemon from its pid file, if it is alive
alive() { local f=$DIR/run/$1.pid; [[ -s $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }

# wait up to $2 seconds for the command "$3..." to succeed; on timeout show the daemon's log
wait_for() {
    local name=$1 secs=$2; shift 2
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= end)); then
            echo "slurm-local: $name did not come up within ${secs}s; its log:" >&2
            tail -n 20 "$DIR/log/$name.log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 0.2
    done
}

PACKAGES=(slurmctld slurmd slurm-client munge slurmdbd mariadb-server)
TOOLS=(munged mariadbd mariadb-install-db mariadb slurmdbd slurmctld slurmd sinfo sacctmgr)

missing_tools() {
    local tool
    for tool in "${TOOLS[@]}"; do command -v "$tool" >/dev/null || echo "$tool"; done
}

check_tools() {
    [[ $(id -u) == 0 ]] || die "must run as root (the daemons run as root here)"
    local missing
    missing=$(missing_tools | tr '\n' ' ')
    [[ -z $missing ]] || die "missing ${missing% }: run $0 install (apt-get install -y ${PACKAGES[*]})"
}

install_packages() {
    [[ -z $(missing_tools) ]] && { say "packages already installed"; return; }
    [[ $(id -u) == 0 ]] || die "must run as root to install ${PACKAGES[*]}"
    command -v apt-get >/dev/null || die "no apt-get: install ${PACKAGES[*]} (SLURM 22.05 or later) by hand"
    # no daemon is started by the packages here (no systemd); --no-install-recommends keeps it small
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" \
        || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"; }
}

write_configs() {
    local node_line node
    # the node as slurmd sees it (CPUs, sockets, cores, memory): a node configured with more than
    # it has is drained, so take slurmd's own description
    node_line=$(slurmd -C | head -n 1)
    node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node_line")
    [[ -n $node ]] || die "slurmd -C gave no node description: $node_line"
    cat >"$CONF" <<EOF
# written by scripts/slurm-local.sh: a single-node cluster for testing sweeps
ClusterName=$CLUSTER
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$((PORT + 2))
# the munge socket for slurmdbd's connections (AuthInfo does not cover them; SLURM's default path otherwise)
AccountingStoragePass=$MUNGE_SOCKET
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MaxArraySize=$MAX_ARRAY
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    sed -i 's/ UpTime=[^ ]*//' "$CONF"
    cat >"$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$((PORT + 2))
SlurmUser=root
PidFile=$DIR/run/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm-local
StorageLoc=slurm_acct_db
EOF
    chmod 600 "$DIR/etc/slurmdbd.conf" # slurmdbd refuses a config others can read
}

start_munge() {
    alive munged && return
    mkdir -p "$DIR/munge"
    chmod 700 "$DIR/munge"
    [[ -s $DIR/munge/munge.key ]] || { dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1 count=1024 status=none; }
    chmod 400 "$DIR/munge/munge.key"
    munged --force --key-file="$DIR/munge/munge.key" --socket="$MUNGE_SOCKET" \
        --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
        --seed-file="$DIR/munge/munged.seed"
    wait_for munged 10 test -S "$MUNGE_SOCKET"
}

start_mariadb() {
    alive mariadbd && return
    if [[ ! -d $DIR/mysql/mysql ]]; then
        mariadb-install-db --user=root --datadir="$DIR/mysql" --auth-root-authentication-method=socket \
            --skip-test-db >"$DIR/log/mariadb-install.log" 2>&1 \
            || { tail -n 20 "$DIR/log/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
    fi
    setsid mariadbd --no-defaults --user=root --datadir="$DIR/mysql" --socket="$DB_SOCKET" \
        --bind-address=127.0.0.1 --port="$DB_PORT" --pid-file="$DIR/run/mariadbd.pid" \
        --log-error="$DIR/log/mariadbd.log" --skip-name-resolve \
        --innodb-buffer-pool-size=64M </dev/null >/dev/null 2>&1 &
    wait_for mariadbd 60 mariadb --no-defaults --socket="$DB_SOCKET" -e 'select 1'
    mariadb --no-defaults --socket="$DB_SOCKET" <<'EOF'
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm-local';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
EOF
}

start_slurm() {
    export SLURM_CONF=$CONF
    if ! alive slurmdbd; then
        slurmdbd
        wait_for slurmdbd 60 sacctmgr -n list cluster
    fi
    sacctmgr -i -Q add cluster "$CLUSTER" >/dev/null 2>&1 || true # fails when it already exists
    if ! alive slurmctld; then
        slurmctld -f "$CONF"
        wait_for slurmctld 60 scontrol ping
    fi
    if ! alive slurmd; then
        slurmd -f "$CONF"
    fi
    wait_for slurmd 60 bash -c "sinfo -h -o %t | grep -qx idle"
}

setup() {
    check_tools
    mkdir -p "$DIR"/{etc,run,log,state,spool}
    if alive slurmctld; then
        # a running cluster keeps its config: say so rather than run with another array limit
        local running
        running=$(sed -n 's/^MaxArraySize=//p' "$CONF")
        [[ $running == "$MAX_ARRAY" ]] \
            || die "running with MaxArraySize=$running, not $MAX_ARRAY: run $0 teardown first"
    else
        write_configs
    fi
    start_munge
    start_mariadb
    start_slurm
    say "up: partition $PARTITION, MaxArraySize=$(scontrol show config | sed -n 's/^MaxArraySize *= *//p')"
    say "point SLURM's commands at it with: export SLURM_CONF=$CONF"
}

stop() {
    local name=$1 f=$DIR/run/$1.pid pid
    [[ -s $f ]] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
        say "stopped $name ($pid)"
    fi
    rm -f "$f"
}

teardown() {
    [[ -d $DIR ]] || { say "nothing to tear down ($DIR does not exist)"; return; }
    if [[ -s $CONF ]] && alive slurmctld; then
        # jobs still running would outlive slurmd (linuxproc tracks, it does not contain)
        SLURM_CONF=$CONF scancel --full --quiet --partition="$PARTITION" 2>/dev/null || true
    fi
    for name in slurmd slurmctld slurmdbd mariadbd munged; do stop "$name"; done
    rm -rf "$DIR"
    say "removed $DIR"
}

status() {
    local down=0
    for name in munged mariadbd slurmdbd slurmctld slurmd; do
        if alive "$name"; then echo "$name: running ($(cat "$DIR/run/$name.pid"))"; else echo "$name: stopped"; down=1; fi
    done
    if [[ -s $CONF ]] && alive slurmctld; then SLURM_CONF=$CONF sinfo; fi
    return $down
}

case ${1:-} in
install) install_packages ;;
setup) setup ;;
teardown) teardown ;;
status) status ;;
env) echo "export SLURM_CONF=$CONF" ;;
*) echo "usage: $0 install|setup|teardown|status|env" >&2; exit 2 ;;
esac
