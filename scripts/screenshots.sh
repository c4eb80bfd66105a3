#!/bin/sh
# Regenerates docs/screenshots/*.png: the browser test of the pages
# (tests/api/pages.rs) in headless Chromium, on SQLite, saving each main
# page on its way from an invitation to a stored month, and the month
# status of a compliance officer's dashboard.
# Needs: apt-get install chromium chromium-driver
set -eu
cd "$(dirname "$0")/.."
REDOVISA_SCREENSHOTS=1 cargo test --test api -- \
  pages::from_an_invitation_to_a_stored_month::sqlite \
  pages::a_compliance_officer_finds_a_user_among_many::sqlite
ls -l docs/screenshots/
