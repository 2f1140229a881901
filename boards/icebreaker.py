"""1BitSquared iCEBreaker: iCE40 UP5K, 12 MHz oscillator, FT2232H (channel B is the UART)."""

from .board import Board, Programmer, platform_class, register

register(
    Board(
        name="icebreaker",
        description="1BitSquared iCEBreaker (iCE40 UP5K)",
        platform=platform_class("amaranth_boards.icebreaker", "ICEBreakerPlatform"),
        family="ice40",
        clock_resource="clk12",
        clock_in_hz=12_000_000,
        clock_hz=36_000_000,  # PLL x3: 12 clocks per bit at 3 Mbaud; 48 MHz routes at ~40 MHz here
        baud=3_000_000,  # the FT2232H's 12 MHz / 4
        lanes=1,
        capacity=256,  # 12 of the 30 EBRs as a 192-bit wide buffer
        programmers=(
            Programmer("openfpgaloader", ("--board", "ice40_generic", "{bitstream}"), "writes the SPI flash"),
            Programmer("iceprog", ("{bitstream}",), "writes the SPI flash"),
        ),
        usb_ids=((0x0403, 0x6010),),
        usb_uart_interface=1,  # channel A programs the flash, channel B is the UART (ttyUSB1)
    )
)
