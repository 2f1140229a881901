"""Radiona ULX3S: ECP5 12F/25F/45F/85F, 25 MHz oscillator, FT231X USB-UART."""

from .board import Board, Programmer, platform_class, register

# Lanes grow with the device; the 1024-descriptor buffer fits every size (at most 43 DP16KD).
for size, platform, lanes in (
    ("12f", platform_class("amaranth_boards.ulx3s", "ULX3S_12F_Platform"), 2),
    ("25f", platform_class("amaranth_boards.ulx3s", "ULX3S_25F_Platform"), 4),
    ("45f", platform_class("amaranth_boards.ulx3s", "ULX3S_45F_Platform"), 8),
    ("85f", platform_class("amaranth_boards.ulx3s", "ULX3S_85F_Platform"), 8),
):
    register(
        Board(
            name=f"ulx3s-{size}",
            description=f"Radiona ULX3S (ECP5 LFE5U-{size.upper()})",
            platform=platform,
            family="ecp5",
            clock_resource="clk25",
            clock_in_hz=25_000_000,
            clock_hz=75_000_000,  # PLL x3: 25 clocks per bit at 3 Mbaud
            baud=3_000_000,  # the FT231X's top rate
            lanes=lanes,
            capacity=1024,
            programmers=(
                Programmer("openfpgaloader", ("--board", "ulx3s", "{bitstream}"), "loads SRAM (lost at power-off)"),
            ),
            usb_ids=((0x0403, 0x6015),),
        )
    )
