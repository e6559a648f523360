# shellcheck shell=bash
# Sourced by scripts/ferretdb.sh and scripts/jaeger.sh: builds a Go program of ours into
# .local/bin once, and again only when its module changed. The caller defines say and die.

# build_is_current SRC_DIR BIN: BIN is built and none of SRC_DIR's sources is newer. Patches
# count as sources: a changed patch rebuilds, and so does one added or removed (the patches
# folder's own time changes then).
build_is_current() {
  [[ -x "$2" ]] &&
    [[ -z "$(find "$1" \( -type f \( -name '*.go' -o -name go.mod -o -name go.sum -o -name '*.patch' \) \
      -o -type d -name patches \) -newer "$2" -print -quit)" ]]
}

# build_once SRC_DIR BIN PACKAGE WHAT_TO_EXPECT
build_once() {
  local src=$1 bin=$2 package=$3 expect=$4 started=$SECONDS
  if build_is_current "$src" "$bin"; then
    say "up to date: $bin"
    return
  fi
  command -v go >/dev/null || die "go toolchain not found (needed to build $bin)"
  say "building $bin from ${src#"$REPO_ROOT"/} ($expect)..."
  mkdir -p "$(dirname "$bin")"
  # Build to a temp name so a concurrent start never execs a half-written file; nice,
  # because a first build is a long compile beside whatever else the machine runs.
  (cd "$src" && nice -n 10 go build -buildvcs=false -trimpath -o "$bin.tmp.$$" "$package") ||
    { rm -f "$bin.tmp.$$"; die "go build failed"; }
  mv -f "$bin.tmp.$$" "$bin"
  say "built $bin in $((SECONDS - started)) s"
}
