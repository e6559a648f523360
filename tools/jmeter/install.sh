#!/usr/bin/env bash
# Installs Apache JMeter 5.6.3 into .local/jmeter-5.6.3 (ignored by git), idempotently.
#
#   tools/jmeter/install.sh          install when missing or stale; print JMETER_HOME and the time
#
# The distribution archive is not on Maven Central, but every module is: tools/jmeter/pom.xml
# lays them out as the archive would (see its header). Java 17 and Maven come from Debian when
# missing. A finished install is marked by a stamp file holding the pom's hash, so an edited
# pom reinstalls and a half-finished one (Ctrl-C, no network) is redone, never used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

JMETER_VERSION=5.6.3
JMETER_HOME="$PWD/.local/jmeter-$JMETER_VERSION"
POM=tools/jmeter/pom.xml
STAMP="$JMETER_HOME/.installed"
SECONDS=0
say() { echo "jmeter: $*" >&2; }

want=$(sha256sum "$POM" | cut -d' ' -f1)
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  say "up to date: $JMETER_HOME (${SECONDS}s)"
  exit 0
fi

missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { say "need root (or sudo) to install ${missing[*]}"; exit 1; }
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

say "assembling JMeter $JMETER_VERSION from Maven Central into $JMETER_HOME (first time: 1-2 min)"
rm -rf "$JMETER_HOME"
# Maven's own build folder stays out of the source tree, beside the home it builds. It goes
# too: its unpack markers would make Maven skip unpacking bin/*.properties into the new home.
rm -rf "$PWD/.local/jmeter-build"
log="$PWD/.local/jmeter-build.log"
mkdir -p .local
if ! mvn -B -q -f "$POM" package -Djmeter.home="$JMETER_HOME" -Djmeter.build="$PWD/.local/jmeter-build" \
  >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  say "Maven could not assemble JMeter (full log: $log)"
  exit 1
fi
# The launcher adds lib/junit to the class path and warns when it is absent.
mkdir -p "$JMETER_HOME/lib/junit"
# -j /dev/null: otherwise JMeter writes a jmeter.log into the current folder.
version=$(java -jar "$JMETER_HOME/bin/ApacheJMeter.jar" -j /dev/null --version 2>/dev/null || true)
# --version runs without the properties, a plan does not: check both.
[[ $version == *"$JMETER_VERSION"* && -f $JMETER_HOME/bin/jmeter.properties ]] ||
  { say "the assembled JMeter does not start: see $JMETER_HOME"; exit 1; }
echo "$want" >"$STAMP"
say "installed $JMETER_HOME (${SECONDS}s)"
