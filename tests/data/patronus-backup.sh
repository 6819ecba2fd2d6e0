#!/bin/bash
#
# Patronus SD-WAN Backup Script
# Run via cron: 0 * * * * /usr/local/bin/patronus-backup.sh

set -e
set -o pipefail

# Configuration
BACKUP_DIR="/backup/patronus"
DB_PATH="/var/lib/patronus/sdwan.db"
CONFIG_DIR="/etc/patronus"
WIREGUARD_DIR="/etc/wireguard"
TIMESTAMP=$(date +%Y%m%d-%H%M%S)
RETENTION_HOURS=24
RETENTION_DAYS=7
RETENTION_WEEKS=4
RETENTION_MONTHS=12

# Remote backup configuration (optional)
REMOTE_BACKUP_ENABLED="${REMOTE_BACKUP_ENABLED:-false}"
REMOTE_BACKUP_HOST="${REMOTE_BACKUP_HOST:-backup.example.com}"
REMOTE_BACKUP_USER="${REMOTE_BACKUP_USER:-backup}"
REMOTE_BACKUP_PATH="${REMOTE_BACKUP_PATH:-/backup/patronus}"

# S3 backup configuration (optional)
S3_BACKUP_ENABLED="${S3_BACKUP_ENABLED:-false}"
S3_BUCKET="${S3_BUCKET:-patronus-backups}"
S3_PREFIX="${S3_PREFIX:-$(hostname)/}"

# Logging
LOG_FILE="/var/log/patronus/backup.log"
exec 1>> "$LOG_FILE"
exec 2>&1

echo "=== Patronus Backup Started: $(date) ==="

# Create backup directory structure
mkdir -p "$BACKUP_DIR"/{hourly,daily,weekly,monthly}

# Determine backup type based on time
HOUR=$(date +%H)
DAY=$(date +%u)    # 1-7 (Monday-Sunday)
DATE=$(date +%d)   # 1-31

if [ "$DATE" = "01" ]; then
    BACKUP_TYPE="monthly"
    BACKUP_DEST="$BACKUP_DIR/monthly"
    RETENTION=$RETENTION_MONTHS
elif [ "$DAY" = "7" ]; then  # Sunday
    BACKUP_TYPE="weekly"
    BACKUP_DEST="$BACKUP_DIR/weekly"
    RETENTION=$RETENTION_WEEKS
elif [ "$HOUR" = "00" ]; then  # Midnight
    BACKUP_TYPE="daily"
    BACKUP_DEST="$BACKUP_DIR/daily"
    RETENTION=$RETENTION_DAYS
else
    BACKUP_TYPE="hourly"
    BACKUP_DEST="$BACKUP_DIR/hourly"
    RETENTION=$RETENTION_HOURS
fi

echo "Backup type: $BACKUP_TYPE"
echo "Destination: $BACKUP_DEST"

# Backup filename
BACKUP_NAME="patronus-$BACKUP_TYPE-$TIMESTAMP"

# 1. Backup Database (with integrity check)
echo "Backing up database..."
sqlite3 "$DB_PATH" "PRAGMA integrity_check;" | grep -q "ok" || {
    echo "ERROR: Database integrity check failed!"
    exit 1
}

# Online backup (doesn't require stopping service)
sqlite3 "$DB_PATH" ".backup '$BACKUP_DEST/$BACKUP_NAME.db'"
echo "Database backed up: $BACKUP_DEST/$BACKUP_NAME.db"

# Verify backup
sqlite3 "$BACKUP_DEST/$BACKUP_NAME.db" "PRAGMA integrity_check;" | grep -q "ok" || {
    echo "ERROR: Backup verification failed!"
    exit 1
}

# Calculate backup size and record count
DB_SIZE=$(du -h "$BACKUP_DEST/$BACKUP_NAME.db" | cut -f1)
SITE_COUNT=$(sqlite3 "$BACKUP_DEST/$BACKUP_NAME.db" "SELECT COUNT(*) FROM sites;")
PATH_COUNT=$(sqlite3 "$BACKUP_DEST/$BACKUP_NAME.db" "SELECT COUNT(*) FROM paths;")
echo "Database size: $DB_SIZE"
echo "Sites: $SITE_COUNT, Paths: $PATH_COUNT"

# 2. Backup Configuration
echo "Backing up configuration..."
tar czf "$BACKUP_DEST/$BACKUP_NAME-config.tar.gz" \
    -C / \
    "$CONFIG_DIR" \
    2>/dev/null || true
echo "Configuration backed up: $BACKUP_DEST/$BACKUP_NAME-config.tar.gz"

# 3. Backup WireGuard Keys (encrypted)
echo "Backing up WireGuard keys..."
tar czf - -C / "$WIREGUARD_DIR" 2>/dev/null | \
    openssl enc -aes-256-cbc -salt -pbkdf2 \
    -pass file:/etc/patronus/backup-encryption-key \
    -out "$BACKUP_DEST/$BACKUP_NAME-wireguard.tar.gz.enc"
echo "WireGuard keys backed up (encrypted): $BACKUP_DEST/$BACKUP_NAME-wireguard.tar.gz.enc"

# 4. Create backup manifest
cat > "$BACKUP_DEST/$BACKUP_NAME-manifest.txt" <<EOF
Patronus SD-WAN Backup Manifest
================================

Backup Type: $BACKUP_TYPE
Timestamp: $TIMESTAMP
Date: $(date)
Hostname: $(hostname)
Version: $(patronus-sdwan --version 2>/dev/null || echo "unknown")

Contents:
- Database: $BACKUP_NAME.db ($DB_SIZE, $SITE_COUNT sites, $PATH_COUNT paths)
- Configuration: $BACKUP_NAME-config.tar.gz
- WireGuard Keys: $BACKUP_NAME-wireguard.tar.gz.enc (encrypted)

Checksums (SHA256):
EOF

# Calculate checksums
cd "$BACKUP_DEST"
sha256sum "$BACKUP_NAME.db" >> "$BACKUP_NAME-manifest.txt"
sha256sum "$BACKUP_NAME-config.tar.gz" >> "$BACKUP_NAME-manifest.txt"
sha256sum "$BACKUP_NAME-wireguard.tar.gz.enc" >> "$BACKUP_NAME-manifest.txt"

echo "Manifest created: $BACKUP_DEST/$BACKUP_NAME-manifest.txt"

# 5. Copy to remote backup (if enabled)
if [ "$REMOTE_BACKUP_ENABLED" = "true" ]; then
    echo "Copying to remote backup..."
    ssh "$REMOTE_BACKUP_USER@$REMOTE_BACKUP_HOST" \
        "mkdir -p $REMOTE_BACKUP_PATH/$BACKUP_TYPE"

    rsync -az --progress \
        "$BACKUP_DEST/$BACKUP_NAME"* \
        "$REMOTE_BACKUP_USER@$REMOTE_BACKUP_HOST:$REMOTE_BACKUP_PATH/$BACKUP_TYPE/"

    echo "Remote backup completed"
fi

# 6. Copy to S3 (if enabled)
if [ "$S3_BACKUP_ENABLED" = "true" ]; then
    echo "Copying to S3..."
    aws s3 sync "$BACKUP_DEST/" \
        "s3://$S3_BUCKET/$S3_PREFIX$BACKUP_TYPE/" \
        --exclude "*" \
        --include "$BACKUP_NAME*"

    echo "S3 backup completed"
fi

# 7. Cleanup old backups (retention policy)
echo "Cleaning up old backups..."

case $BACKUP_TYPE in
    hourly)
        find "$BACKUP_DIR/hourly" -name "patronus-hourly-*" -mmin +$((RETENTION * 60)) -delete
        ;;
    daily)
        find "$BACKUP_DIR/daily" -name "patronus-daily-*" -mtime +$RETENTION -delete
        ;;
    weekly)
        find "$BACKUP_DIR/weekly" -name "patronus-weekly-*" -mtime +$((RETENTION * 7)) -delete
        ;;
    monthly)
        find "$BACKUP_DIR/monthly" -name "patronus-monthly-*" -mtime +$((RETENTION * 30)) -delete
        ;;
esac

echo "Cleanup completed"

# 8. Send notification (optional)
# if [ -x /usr/local/bin/send-notification ]; then
#     /usr/local/bin/send-notification "Patronus backup completed: $BACKUP_NAME"
# fi

echo "=== Patronus Backup Completed: $(date) ==="
echo ""

exit 0
