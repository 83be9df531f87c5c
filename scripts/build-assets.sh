#!/bin/sh
# Builds static/dist/ (git-ignored) from static/src/ and the nhsuk-frontend npm package.
# Run from the repository root after `npm ci`; `make` calls it. Takes about two seconds.
set -eu

nhsuk=node_modules/nhsuk-frontend/dist/nhsuk
out=static/dist

if [ ! -d "$nhsuk" ]; then
    echo "build-assets: $nhsuk not found; run 'npm ci' first" >&2
    exit 1
fi

mkdir -p "$out/nhsuk"

# Icons, favicons and the web manifest, referenced by the stylesheet and base.html.
rm -rf "$out/nhsuk/assets"
cp -R "$nhsuk/assets" "$out/nhsuk/assets"

# The components' JavaScript (an ES module imported by static/js/fieldbook.js). Its source map
# is copied too: the manifest storage used by collectstatic refuses a JS file whose
# sourceMappingURL points at a missing file.
cp "$nhsuk/nhsuk-frontend.min.js" "$nhsuk/nhsuk-frontend.min.js.map" "$out/nhsuk/"

# The stylesheet is built last, so its timestamp (make's target) is newer than the copies.
# Written to a temporary file first so a failed build never leaves a half-written target.
npx --no-install sass --load-path=node_modules --style=compressed --no-source-map \
    static/src/fieldbook.scss "$out/fieldbook.css.tmp"
mv "$out/fieldbook.css.tmp" "$out/fieldbook.css"
