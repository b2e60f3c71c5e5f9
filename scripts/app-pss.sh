#!/usr/bin/env bash
# The whole app's memory: proportional set size (PSS) of sift-app and every process it
# started (WebKit's web and network processes), from /proc/PID/smaps_rollup. PSS splits
# shared pages between the processes that map them, so the sum is what the app really costs.
#
#   scripts/app-pss.sh [PID]            one reading; PID defaults to the newest sift-app
#   scripts/app-pss.sh --json [PID]     one JSON document: {"total_mb", "processes": [...]}
#   scripts/app-pss.sh --watch S [PID]  a reading every S seconds until the app exits
#
# Figures are MB (MiB). RSS is shown beside PSS for comparison with /usr/bin/time figures.
set -euo pipefail

json=0
watch=""
while [ $# -gt 0 ]; do
    case "$1" in
        --json) json=1; shift ;;
        --watch) watch=$2; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
root=${1:-$(pgrep -n -x sift-app || true)}
if [ -z "$root" ] || [ ! -d "/proc/$root" ]; then
    echo "app-pss: no sift-app process (pass its PID)" >&2
    exit 1
fi

# The process and all its descendants, breadth first.
tree() {
    local queue=("$1") out=() pid
    while [ ${#queue[@]} -gt 0 ]; do
        pid=${queue[0]}
        queue=("${queue[@]:1}")
        out+=("$pid")
        for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
            queue+=("$child")
        done
    done
    echo "${out[@]}"
}

reading() {
    local pids pid name pss rss total=0 rows=()
    pids=$(tree "$root")
    for pid in $pids; do
        [ -r "/proc/$pid/smaps_rollup" ] || continue
        name=$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")
        pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        [ -n "$pss" ] || continue
        total=$((total + pss))
        rows+=("$pid $name $pss $rss")
    done
    if [ "$json" -eq 1 ]; then
        printf '{"time": "%s", "total_mb": %s, "processes": [' "$(date -u +%FT%TZ)" \
            "$(awk -v k="$total" 'BEGIN {printf "%.1f", k / 1024}')"
        local sep=""
        for row in "${rows[@]}"; do
            set -- $row
            printf '%s{"pid": %s, "name": "%s", "pss_mb": %s, "rss_mb": %s}' "$sep" "$1" "$2" \
                "$(awk -v k="$3" 'BEGIN {printf "%.1f", k / 1024}')" \
                "$(awk -v k="$4" 'BEGIN {printf "%.1f", k / 1024}')"
            sep=", "
        done
        printf ']}\n'
    else
        printf '%-8s %-24s %10s %10s\n' PID PROCESS "PSS MB" "RSS MB"
        for row in "${rows[@]}"; do
            set -- $row
            printf '%-8s %-24s %10.1f %10.1f\n' "$1" "$2" "$(awk -v k="$3" 'BEGIN {print k / 1024}')" \
                "$(awk -v k="$4" 'BEGIN {print k / 1024}')"
        done
        printf '%-33s %10.1f\n' "total (PSS)" "$(awk -v k="$total" 'BEGIN {print k / 1024}')"
    fi
}

if [ -n "$watch" ]; then
    while [ -d "/proc/$root" ]; do
        reading
        sleep "$watch"
    done
else
    reading
fi
