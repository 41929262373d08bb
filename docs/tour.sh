#!/usr/bin/env bash
# A tour of the archive's API, against the archive that `make run` started: README.md's
# "A tour of the API" shows this file from "tour begins" on, and tests/e2e/test_tour.py runs
# it against `archive serve` and checks each step.
#
#   make run                # one terminal (it keeps ./archive-data)
#   bash docs/tour.sh       # another, from the checkout
#
# It makes its own account with `archive users create` (on the same data directory as the
# server: run it from the checkout, or set ARCHIVE_DATA_DIR as the server has it). API points
# it at another archive, ARCHIVE_BIN at another `archive` command. It writes nothing into the
# checkout: what it downloads goes to a temporary directory, removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Stop at the first step that fails, showing the problem the archive answered.
curl() { command curl --show-error --fail-with-body "$@"; }
trap 'rm -rf "${tmp:-}"' EXIT

# --- tour begins ---
API="${API:-http://127.0.0.1:8000/api/v1}"
archive="${ARCHIVE_BIN:-.venv/bin/archive}"
tmp="$(mktemp -d)"        # downloads go here, never into the checkout
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
b64() { printf %s "$1" | base64 | tr -d '\n'; }

echo "## account"
# An archivist and their API token (shown once), made beside the running server.
"$archive" users create "ana-$(date +%s)" --role archivist | tee "$tmp/ana.txt"
ANA="Authorization: Bearer $(sed -n 's/^token .*: //p' "$tmp/ana.txt")"
curl -s -H "$ANA" "$API/users/me"; echo

echo "## story"
# A story, then a recording of it (WAV, FLAC, MP3, M4A/MP4/MOV, OGG/Opus, WebM/MKV or AAC).
curl -s -H "$ANA" -H 'Content-Type: application/json' \
     -d '{"title": "When the river flooded", "languages": ["en"], "access": "public"}' \
     "$API/stories" | tee "$tmp/story.json"; echo
STORY_ID=$(field id < "$tmp/story.json")

echo "## recording"
curl -s -H "$ANA" -F file=@tests/fixtures/story_en.flac \
     "$API/stories/$STORY_ID/recordings" | tee "$tmp/recording.json"; echo
RECORDING_ID=$(field id < "$tmp/recording.json")

echo "## status"
# queued -> transcribing -> ready, with progress and what transcribing cost.
for _ in $(seq 180); do
    curl -s "$API/recordings/$RECORDING_ID" > "$tmp/status.json"
    case "$(field status < "$tmp/status.json")" in ready | failed) break ;; esac
    sleep 1
done
cat "$tmp/status.json"; echo

echo "## transcript"
# Segments with word timings, a confidence each, and `flagged` where to listen first.
curl -s "$API/recordings/$RECORDING_ID/transcript"; echo

echo "## captions"
curl -s "$API/recordings/$RECORDING_ID/transcript?format=vtt"   # also srt, txt

echo "## search"
# Words, "phrases", prefix*; each hit names the recording and the second.
curl -s "$API/search?q=%22stone+bridge%22"; echo

echo "## listen"
# The original bytes from a point, with Range for seeking.
curl -s -H 'Range: bytes=0-65535' -o "$tmp/start.flac" \
     -w '%{http_code} %{content_type} %{size_download} bytes\n' \
     "$API/recordings/$RECORDING_ID/audio"

echo "## upload link"
# A link for someone without an account, to add stories to one collection.
curl -s -H "$ANA" -H 'Content-Type: application/json' -d '{"title": "Voices of the valley"}' \
     "$API/collections" | tee "$tmp/collection.json"; echo
curl -s -H "$ANA" -H 'Content-Type: application/json' \
     -d "{\"collection_id\": \"$(field id < "$tmp/collection.json")\", \"max_uploads\": 10}" \
     "$API/upload-links" | tee "$tmp/link.json"; echo
LINK="Authorization: Bearer $(field token < "$tmp/link.json")"

echo "## resumable upload"
# What the link's page does: a tus upload that names a new story and its consent in
# Upload-Metadata (key base64(value) pairs), here all in one request.
curl -s -i -H "$LINK" -H 'Tus-Resumable: 1.0.0' \
     -H "Upload-Length: $(wc -c < tests/fixtures/story_en.opus)" \
     -H "Upload-Metadata: title $(b64 'The seeds'),consent_given_by $(b64 'Tía Marta'),consent_listen $(b64 community),consent_searchable $(b64 true),filename $(b64 seeds.opus)" \
     -H 'Content-Type: application/offset+octet-stream' \
     --data-binary @tests/fixtures/story_en.opus "$API/uploads" | tee "$tmp/upload.txt"
UPLOAD_URL=$(sed -n 's/^location: *//Ip' "$tmp/upload.txt" | tr -d '\r')
curl -s -I -H "$LINK" -H 'Tus-Resumable: 1.0.0' "$UPLOAD_URL"   # Archive-Recording-Id

echo "## review"
# The link's story waits, private, for an archivist to publish it.
curl -s -H "$ANA" "$API/review"; echo

echo "## health"
# The database, storage, search index and workers.
curl -s "$API/health"; echo
