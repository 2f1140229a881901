"""Amaranth layouts of the descriptor and the verdict byte, derived from the contract.

A descriptor travels as 24 bytes with byte ``i`` of the wire format in payload bits
``8*i .. 8*i+7``: the order a little-endian memory read of consecutive bytes produces, so a
batch buffer can feed the validator without shuffling. Multi-byte fields stay big-endian
*inside* that byte array, exactly as on the wire.
"""

from __future__ import annotations

from amaranth.hdl import Value, unsigned
from amaranth.lib import data

from tcphw.contract import DECISION_SHIFT, DESCRIPTOR_SIZE, ERROR_MASK, VERDICT_ZERO_MASK, Field

DESCRIPTOR_BITS = 8 * DESCRIPTOR_SIZE

#: One descriptor: an array of 24 bytes, byte ``i`` at bits ``8*i``.
DescriptorLayout = data.ArrayLayout(unsigned(8), DESCRIPTOR_SIZE)

#: The verdict byte, field by field; widths come from the contract's masks.
VerdictLayout = data.StructLayout(
    {
        "errors": ERROR_MASK.bit_length(),
        "zero": VERDICT_ZERO_MASK.bit_length() - ERROR_MASK.bit_length(),
        "decision": 8 - DECISION_SHIFT,
    }
)
assert VerdictLayout.size == 8 and VerdictLayout._fields["decision"].offset == DECISION_SHIFT
assert VerdictLayout._fields["zero"].offset == ERROR_MASK.bit_length()


def descriptors_layout(lanes: int) -> data.ArrayLayout:
    """The input payload: ``lanes`` descriptors side by side, lane ``n`` at bits ``192*n``."""
    return data.ArrayLayout(DescriptorLayout, lanes)


def verdicts_layout(lanes: int) -> data.ArrayLayout:
    """The output payload: one verdict byte per lane, lane ``n`` at bits ``8*n``."""
    return data.ArrayLayout(VerdictLayout, lanes)


def indexed_descriptor_layout(capacity: int) -> data.StructLayout:
    """One descriptor on its way into a batch buffer of ``capacity``: its bytes and its place in the batch."""
    return data.StructLayout({"data": DESCRIPTOR_BITS, "index": range(capacity)})


def field_value(desc: data.View, field: Field) -> Value:
    """A big-endian field of a descriptor view as an unsigned value (first byte most significant)."""
    from amaranth.hdl import Cat

    return Cat(*(desc[field.offset + field.size - 1 - k] for k in range(field.size)))
