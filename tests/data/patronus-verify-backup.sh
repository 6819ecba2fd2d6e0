#!/bin/bash
# Verify backup integrity

BACKUP_FILE="$1"

if [ -z "$BACKUP_FILE" ]; then
    echo "Usage: $0 <backup-file>"
    exit 1
fi

echo "Verifying backup: $BACKUP_FILE"

# Verify database integrity
sqlite3 "$BACKUP_FILE" "PRAGMA integrity_check;" | grep -q "ok" || {
    echo "ERROR: Database integrity check failed"
    exit 1
}

# Verify can query database
SITE_COUNT=$(sqlite3 "$BACKUP_FILE" "SELECT COUNT(*) FROM sites;" 2>/dev/null)
if [ $? -eq 0 ]; then
    echo "✓ Database accessible, contains $SITE_COUNT sites"
else
    echo "ERROR: Cannot query database"
    exit 1
fi

# Verify manifest and checksums
MANIFEST="${BACKUP_FILE%.db}-manifest.txt"
if [ -f "$MANIFEST" ]; then
    echo "✓ Manifest found"

    # Extract and verify checksums
    grep "^[0-9a-f]" "$MANIFEST" > /tmp/checksums.txt
    cd "$(dirname "$BACKUP_FILE")"
    sha256sum -c /tmp/checksums.txt || {
        echo "ERROR: Checksum verification failed"
        exit 1
    }
    echo "✓ Checksums verified"
else
    echo "WARNING: Manifest not found"
fi

echo "✓ Backup verification successful"
exit 0
