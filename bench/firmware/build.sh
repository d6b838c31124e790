#!/usr/bin/env bash
# Builds the sensor-node firmware variants the delta benchmark compares, as raw flash images:
#   bench/firmware/build/<variant>.bin   (arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb, objcopy -O binary)
# Variants: base (v1.4.2, -Os), version (1.4.3), constant (TX interval 300 -> 600 s),
# oneline (one extra statement), feature (GPS module), o2 (same source at -O2),
# release (v1.5.0: version + constant + one line + GPS).
# Needs Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/src"
out="${1:-$here/build}"
mkdir -p "$out"
command -v arm-none-eabi-gcc >/dev/null || { echo "build.sh: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2; exit 3; }

# __DATE__ from a fixed epoch so that rebuilding the same variant gives the same bytes.
export SOURCE_DATE_EPOCH=1735689600

build() {
  local name="$1" opt="$2"
  shift 2
  local objdir="$out/obj-$name"
  mkdir -p "$objdir"
  local objs=()
  for c in "$src"/*.c; do
    local o="$objdir/$(basename "${c%.c}").o"
    arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=soft "$opt" -std=c11 -Wall -Wextra -Wno-unused-parameter \
      -ffunction-sections -fdata-sections -ffreestanding -fno-common "$@" -c "$c" -o "$o"
    objs+=("$o")
  done
  arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=soft "$opt" -nostartfiles --specs=nano.specs --specs=nosys.specs -u _printf_float \
    -Wl,--gc-sections -Wl,-Map="$objdir/$name.map" -T "$src/link.ld" "${objs[@]}" -lm -lc -lgcc -o "$objdir/$name.elf"
  arm-none-eabi-objcopy -O binary "$objdir/$name.elf" "$out/$name.bin"
}

build base -Os
build version -Os -DAPP_VERSION_PATCH=3
build constant -Os -DDEFAULT_TX_INTERVAL_S=600
build oneline -Os -DONE_LINE_CHANGE
build feature -Os -DFEATURE_GPS
build o2 -O2
build release -Os -DAPP_VERSION_MINOR=5 -DAPP_VERSION_PATCH=0 -DDEFAULT_TX_INTERVAL_S=600 -DONE_LINE_CHANGE -DFEATURE_GPS
ls -l "$out"/*.bin | awk '{print $5, $9}'
