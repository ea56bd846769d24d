"""IP addresses cut to their network, the way web analytics anonymises them: IPv4 to /24, IPv6 to /48.

A visitor's full address is personal data and is stored only as its keyed hash (``lib/pseudonyms.py``),
which counts visitors but says nothing of where they are. The network says roughly where (a
provider, a city) and is shared by many people: ``203.0.113.7`` becomes ``203.0.113.0/24``,
``2001:db8:85a3::8a2e:370:7334`` becomes ``2001:db8:85a3::/48`` (written as Python's ``ipaddress``
writes it). Computed by Spark's own functions; anything that is not an address (an IPv6 address
with an IPv4 tail included) becomes NULL.
"""
from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

IPV4 = r"^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"
HEXTET = r"[0-9a-f]{1,4}"
# Eight hextets, or fewer around one "::" (no embedded IPv4 form).
IPV6 = (rf"^(({HEXTET}:){{7}}{HEXTET}|(({HEXTET}:){{0,6}}{HEXTET})?::(({HEXTET}:){{0,6}}{HEXTET})?)$")


def _hextets(part: Column) -> Column:
    """The hextets of one side of ``::``; none for an empty side."""
    return F.when(part == "", F.array().cast("array<string>")).otherwise(F.split(part, ":"))


def network(ip: Column) -> Column:
    """The /24 of an IPv4 address or the /48 of an IPv6 one, as CIDR text; NULL for anything else."""
    text = F.lower(F.trim(ip))
    ipv4 = F.concat(F.regexp_extract(text, r"^(\d+\.\d+\.\d+)\.", 1), F.lit(".0/24"))
    halves = F.split(text, "::")
    left = _hextets(halves[0])
    right = F.when(F.size(halves) > 1, _hextets(halves[1])).otherwise(F.array().cast("array<string>"))
    zeros = F.array_repeat(F.lit("0"), 8 - F.size(left) - F.size(right))
    first_three = F.slice(F.concat(left, zeros, right), 1, 3)
    unpadded = F.concat_ws(":", F.transform(first_three, lambda hextet: F.regexp_replace(hextet, r"^0+(?=.)", "")))
    ipv6 = F.concat(F.regexp_replace(unpadded, r"(^|:)0(:0)*$", ""), F.lit("::/48"))  # zeros before "::" go into it
    return F.when(text.rlike(IPV4), ipv4).when(text.rlike(IPV6) & (F.size(halves) <= 2), ipv6)
