#!/bin/sh
# Regenerates docs/screenshots/*.png: the browser test of the pages
# (tests/api/pages.rs) in headless Chromium, on SQLite, saving each main
# page on its way from an invitation to a stored month.
# Needs: apt-get install chromium chromium-driver
set -eu
cd "$(dirname "$0")/.."
REDOVISA_SCREENSHOTS=1 cargo test --test api -- pages::from_an_invitation_to_a_stored_month::sqlite
ls -l docs/screenshots/
