#!/bin/sh
# Cài đặt phần mềm trạm Loa (loa-agent) từ máy chủ Loa — installs the Loa station agent from the Loa server.
#
#   curl -fsSL http://MÁY-CHỦ/agent/install.sh | sudo sh -s MÃ-ĐĂNG-KÝ
#
# Everything comes from the server this script was fetched from: the agent bundle carries its own Node
# runtime, so the box needs only curl (or wget), tar and gzip. Running it again upgrades in place and keeps
# the cache, the outbox and the config (a new code enrols again).
#
# Options (after the code, or as environment variables):
#   --server URL      the Loa server (LOA_SERVER; filled in by the server that served this script)
#   --root DIR        install under DIR instead of / (DESTDIR; for tests and image builds)
#   --no-systemd      write the unit but do not enable or start it (LOA_NO_SYSTEMD=1)
#   --allow-http      send the code over plain http:// to a server on another machine (trusted LAN only)
#   --player KIND     alsa (default), file or null, written into a new config only
set -eu

LOA_SERVER="${LOA_SERVER:-@LOA_SERVER_URL@}"
ROOT="${DESTDIR:-}"
NO_SYSTEMD="${LOA_NO_SYSTEMD:-0}"
ALLOW_HTTP=0
PLAYER=alsa
CODE=""

say() { printf '%s\n' "$*"; }
die() { printf 'Lỗi: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --server) [ $# -ge 2 ] || die "--server cần địa chỉ máy chủ"; LOA_SERVER="$2"; shift 2 ;;
    --server=*) LOA_SERVER="${1#--server=}"; shift ;;
    --root) [ $# -ge 2 ] || die "--root cần một thư mục"; ROOT="$2"; shift 2 ;;
    --root=*) ROOT="${1#--root=}"; shift ;;
    --no-systemd) NO_SYSTEMD=1; shift ;;
    --allow-http) ALLOW_HTTP=1; shift ;;
    --player) [ $# -ge 2 ] || die "--player cần alsa, file hoặc null"; PLAYER="$2"; shift 2 ;;
    --player=*) PLAYER="${1#--player=}"; shift ;;
    -*) die "không hiểu tuỳ chọn $1" ;;
    *) [ -z "$CODE" ] || die "chỉ cần một mã đăng ký (đã có $CODE, thêm $1)"; CODE="$1"; shift ;;
  esac
done

case "$LOA_SERVER" in
  http://*|https://*) LOA_SERVER="${LOA_SERVER%/}" ;;
  *) die "không biết địa chỉ máy chủ Loa; hãy thêm --server https://MÁY-CHỦ" ;;
esac
case "$PLAYER" in alsa|file|null) ;; *) die "--player phải là alsa, file hoặc null" ;; esac
ROOT="${ROOT%/}"

if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  die "cần chạy bằng quyền quản trị: curl -fsSL $LOA_SERVER/agent/install.sh | sudo sh -s MÃ-ĐĂNG-KÝ"
fi

case "$(uname -m)" in
  x86_64|amd64) ARCH=x64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) die "máy này ($(uname -m)) chưa được hỗ trợ; cần máy 64 bit (x86_64 hoặc aarch64, ví dụ Raspberry Pi OS 64 bit)" ;;
esac

OPT="$ROOT/opt/loa-agent"
ETC="$ROOT/etc/loa"
CONFIG="$ETC/agent.json"
STATE="$ROOT/var/lib/loa-agent"
UNIT="$ROOT/etc/systemd/system/loa-agent.service"
USER_NAME=loa-agent

fetch() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
  else die "cần curl hoặc wget để tải phần mềm"; fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

say "Tải phần mềm trạm ($ARCH) từ $LOA_SERVER …"
fetch "$LOA_SERVER/agent/loa-agent-$ARCH.tar.gz" "$WORK/bundle.tar.gz" \
  || die "không tải được $LOA_SERVER/agent/loa-agent-$ARCH.tar.gz; máy chủ có thể chưa dựng gói cho loại máy này (npm run pack:agent)"
mkdir -p "$WORK/unpacked"
tar -xzf "$WORK/bundle.tar.gz" -C "$WORK/unpacked" || die "gói tải về bị hỏng; hãy chạy lại"
[ -x "$WORK/unpacked/loa-agent/bin/loa-agent" ] || die "gói tải về không đúng dạng"
"$WORK/unpacked/loa-agent/node/bin/node" -e '' 2>/dev/null || die "bộ chạy Node trong gói không chạy được trên máy này ($ARCH)"
VERSION=$(cat "$WORK/unpacked/loa-agent/VERSION")

# The new version is put in place whole, then the old one removed: a failed copy never leaves half of each.
UPGRADE=0
[ -d "$OPT" ] && UPGRADE=1
mkdir -p "$ROOT/opt"
rm -rf "$OPT.new" "$OPT.old"
cp -R "$WORK/unpacked/loa-agent" "$OPT.new"
[ "$UPGRADE" = 1 ] && mv "$OPT" "$OPT.old"
mv "$OPT.new" "$OPT"
rm -rf "$OPT.old"
if [ "$UPGRADE" = 1 ]; then say "Đã nâng cấp phần mềm trạm lên bản $VERSION tại $OPT/"; else say "Đã cài phần mềm trạm bản $VERSION vào $OPT/"; fi

# The service account: a system user with no login, in the audio group for the sound card.
OWNER=""
if [ "$(id -u)" = 0 ] && [ -f "$ROOT/etc/passwd" ]; then
  if grep -q "^$USER_NAME:" "$ROOT/etc/passwd"; then
    say "Tài khoản hệ thống $USER_NAME đã có."
  else
    if [ -n "$ROOT" ]; then PREFIX="--prefix $ROOT"; else PREFIX=""; fi
    GROUPS_OPT=""
    grep -q '^audio:' "$ROOT/etc/group" 2>/dev/null && GROUPS_OPT="--groups audio"
    # shellcheck disable=SC2086
    useradd $PREFIX --system --user-group $GROUPS_OPT --home-dir /var/lib/loa-agent --no-create-home \
      --shell /usr/sbin/nologin --comment "Loa station agent" "$USER_NAME" \
      || die "không tạo được tài khoản hệ thống $USER_NAME"
    say "Đã tạo tài khoản hệ thống $USER_NAME (nhóm audio để dùng card âm thanh)."
  fi
  OWNER=$(awk -F: -v u="$USER_NAME" '$1 == u { print $3 ":" $4 }' "$ROOT/etc/passwd")
else
  say "Bỏ qua tạo tài khoản $USER_NAME (không chạy bằng quyền quản trị hoặc không có $ROOT/etc/passwd)."
fi

# Cache and outbox live here; an upgrade never touches them.
mkdir -p "$STATE" "$ETC"
chmod 0700 "$STATE"
[ -n "$OWNER" ] && chown "$OWNER" "$STATE"

if [ ! -f "$CONFIG" ]; then
  printf '{\n  "cacheDir": "/var/lib/loa-agent",\n  "player": "%s"\n}\n' "$PLAYER" > "$CONFIG"
  chmod 0600 "$CONFIG"
fi

if [ -n "$CODE" ]; then
  set -- enrol --server "$LOA_SERVER" --config "$CONFIG"
  [ "$ALLOW_HTTP" = 1 ] && set -- "$@" --allow-http
  "$OPT/bin/loa-agent" "$@" "$CODE" >"$WORK/enrol.out" || die "đăng ký trạm không thành công (xem thông báo ở trên); sửa lỗi rồi chạy lại lệnh cài"
  head -n 2 "$WORK/enrol.out"
elif grep -q '"stationToken"' "$CONFIG"; then
  say "Giữ nguyên cấu hình và mã trạm đã có trong $CONFIG."
else
  die "chưa có mã đăng ký: chạy lại với mã trạm, ví dụ: curl -fsSL $LOA_SERVER/agent/install.sh | sudo sh -s MÃ-ĐĂNG-KÝ"
fi
chmod 0600 "$CONFIG"
[ -n "$OWNER" ] && chown "$OWNER" "$CONFIG"
grep -q '"consolePinHash"' "$CONFIG" || say "Bảng điều khiển tại trạm (http://ĐỊA-CHỈ-MÁY-TRẠM:8080, điện thoại trong cùng mạng): đặt mã PIN bằng lệnh sudo $OPT/bin/loa-agent set-pin --config $CONFIG rồi khởi động lại dịch vụ."

mkdir -p "$(dirname "$UNIT")"
cat > "$UNIT" <<UNIT_EOF
# Loa station agent, written by install.sh from $LOA_SERVER. Re-run the installer to upgrade.
[Unit]
Description=Loa station agent (phần mềm trạm truyền thanh)
Wants=network-online.target sound.target
After=network-online.target sound.target

[Service]
Type=simple
User=$USER_NAME
Group=$USER_NAME
SupplementaryGroups=audio
EnvironmentFile=-/etc/loa/agent.env
WorkingDirectory=/var/lib/loa-agent
ExecStart=/opt/loa-agent/bin/loa-agent --config /etc/loa/agent.json
Restart=always
RestartSec=3
KillSignal=SIGTERM
TimeoutStopSec=15
# Timing matters more than anything else on this box. The agent runs at the lowest real-time priority
# (SCHED_FIFO 1): ahead of every ordinary process, so a busy box no longer keeps it off the CPU at an
# instant, and behind the kernel's and the audio server's real-time threads. It cannot freeze the box: it
# sleeps between starts and spins at most the last millisecond before one; the kernel keeps 5 % of every
# second for ordinary processes (sched_rt_runtime_us); LimitRTTIME kills (and Restart= restarts) a thread
# that runs 5 s without ever blocking; and what it starts (ffmpeg, capture) falls back to the ordinary
# policy (ResetOnFork), so decoding never runs real-time. Nice= applies if the policy is overridden.
Nice=-10
CPUSchedulingPolicy=fifo
CPUSchedulingPriority=1
CPUSchedulingResetOnFork=yes
LimitRTTIME=5s
# First among ordinary disk users, not the real-time class: a media download must not starve the box's
# disk, and the agent keeps its own writes out of the last 100 ms before a start.
IOSchedulingClass=best-effort
IOSchedulingPriority=0
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
ReadWritePaths=/var/lib/loa-agent
PrivateTmp=true

[Install]
WantedBy=multi-user.target
UNIT_EOF
say "Đã ghi dịch vụ systemd $UNIT"

if [ "$NO_SYSTEMD" = 1 ] || [ -n "$ROOT" ] || [ ! -d /run/systemd/system ]; then
  say "Không khởi động dịch vụ (chế độ không dùng systemd). Chạy tay: $OPT/bin/loa-agent --config $CONFIG"
else
  systemctl daemon-reload
  systemctl enable loa-agent >/dev/null 2>&1 || die "không bật được dịch vụ loa-agent"
  systemctl restart loa-agent || die "không khởi động được dịch vụ loa-agent; xem: journalctl -u loa-agent"
  say "Đã bật và khởi động dịch vụ loa-agent (tự chạy khi máy khởi động). Xem nhật ký: journalctl -u loa-agent -f"
fi
say "Hoàn tất."
