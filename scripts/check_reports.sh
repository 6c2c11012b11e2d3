#!/usr/bin/env bash
# Check study reports as a person sees them: render each report.html in headless Chromium to a
# PNG screenshot, and fail if a page does not render or shows a broken image.
#
# Usage: scripts/check_reports.sh [REPORT.html ...]   (default: results/reference/*/report.html)
# Screenshots go to ${OUT:-${TMPDIR:-/tmp}/outreach-report-screenshots}/<study>.png; open them.
# Needs Debian's chromium package (apt-get install -y chromium). Exit status: 0 all good, 1 a
# report failed, 2 chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [[ -z "$CHROMIUM" ]]; then
  echo "error: chromium not found: apt-get install -y chromium (or set CHROMIUM=/path)" >&2
  exit 2
fi
OUT=${OUT:-${TMPDIR:-/tmp}/outreach-report-screenshots}
mkdir -p "$OUT"
reports=("$@")
if [[ ${#reports[@]} -eq 0 ]]; then
  reports=(results/reference/*/report.html)
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
status=0
for report in "${reports[@]}"; do
  name=$(basename "$(dirname "$report")")
  shot="$OUT/$name.png"
  flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile"
    --hide-scrollbars)
  rm -f "$shot"
  timeout 120 "$CHROMIUM" "${flags[@]}" --screenshot="$shot" --window-size=1280,2400 \
    "file://$(realpath "$report")" >/dev/null 2>&1 || true
  # A broken <img> has naturalWidth 0 once the page has loaded: count them in the page itself.
  dom=$(timeout 120 "$CHROMIUM" "${flags[@]}" --virtual-time-budget=5000 --dump-dom \
    "file://$(realpath "$report")?check" 2>/dev/null || true)
  images=$(grep -o '<img' <<<"$dom" | wc -l)
  if [[ ! -s "$shot" ]]; then
    echo "FAIL $report: no screenshot" >&2; status=1; continue
  fi
  if [[ "$images" -eq 0 ]]; then
    echo "FAIL $report: no images in the rendered page" >&2; status=1; continue
  fi
  echo "ok   $report: $images images, screenshot $shot"
done
exit $status
