"""Write tests/privacy/pii_generated.tsv: PII lines in written and spoken (ASR) forms.

The expected text is built from the template, never from the redactor: each template slot says
what it holds, and the expected line has that slot's placeholder. Spoken forms are rendered the
ways faster-whisper tiny.en writes read-out numbers: digit words, "oh" for zero, "double five",
pairs ("forty one eleven"), digits with commas or dashes.

    .venv/bin/python -m tests.privacy.make_pii_cases      (deterministic: a fixed seed)
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "pii_generated.tsv"
SEED = 17

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# test card numbers published by the card schemes / payment processors, and random Luhn-valid ones
KNOWN_CARDS = [
    "4111111111111111",
    "5500005555555559",
    "378282246310005",
    "6011111111111117",
    "4012888888881881",
    "5105105105105100",
    "3530111333300000",
    "30569309025904",
    "4222222222222",
    "371449635398431",
]


def luhn_complete(prefix: str) -> str:
    """prefix + the Luhn check digit."""
    total = 0
    for k, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if k % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def random_card(rng: random.Random) -> str:
    length = rng.choice([16, 16, 16, 15, 14, 13, 19])
    first = rng.choice("3456")
    body = first + "".join(rng.choice("0123456789") for _ in range(length - 2))
    return luhn_complete(body)


def zero_word(rng: random.Random) -> str:
    return rng.choice(["oh", "oh", "zero", "o"])


def digit_words(digits: str, rng: random.Random, repeats: bool = True) -> str:
    """'4111' → 'four one one one' / 'four triple one'; zeros as 'oh' or 'zero'."""
    out: list[str] = []
    k = 0
    while k < len(digits):
        d = digits[k]
        run = 1
        while k + run < len(digits) and digits[k + run] == d and run < 3:
            run += 1
        word = zero_word(rng) if d == "0" else WORDS[int(d)]
        if repeats and run >= 2 and rng.random() < 0.6:
            out.append(("double " if run == 2 else "triple ") + word)
            k += run
            continue
        out.append(word)
        k += 1
    return " ".join(out)


def pair_words(pair: str, rng: random.Random) -> str:
    """'41' → 'forty one', '11' → 'eleven', '05' → 'oh five', '40' → 'forty'."""
    a, b = int(pair[0]), int(pair[1])
    if a == 0:
        return f"{zero_word(rng)} {WORDS[b] if b else zero_word(rng)}"
    if a == 1:
        return TEENS[b]
    return TENS[a] + ("" if b == 0 else " " + WORDS[b])


def spoken_number(digits: str, rng: random.Random) -> str:
    """One of the ways ASR writes a number read out digit by digit or in groups."""
    style = rng.choice(["words", "words", "grouped_words", "pairs", "commas", "dashes", "groups"])
    if style == "words":
        return digit_words(digits, rng)
    if style == "grouped_words":
        groups = [digits[k : k + 4] for k in range(0, len(digits), 4)]
        return ", ".join(digit_words(g, rng) for g in groups)
    if style == "pairs" and len(digits) % 2 == 0:
        return " ".join(pair_words(digits[k : k + 2], rng) for k in range(0, len(digits), 2))
    if style == "commas":
        return ", ".join(digits)
    if style == "dashes":
        return "-".join(digits)
    if style == "groups":
        return " ".join(digits[k : k + 4] for k in range(0, len(digits), 4))
    return digit_words(digits, rng)


def written_card(digits: str, rng: random.Random) -> str:
    style = rng.choice(["plain", "spaces", "dashes"])
    if style == "plain":
        return digits
    sep = " " if style == "spaces" else "-"
    if len(digits) == 15:  # Amex 4-6-5
        return sep.join([digits[:4], digits[4:10], digits[10:]])
    return sep.join(digits[k : k + 4] for k in range(0, len(digits), 4))


CARD_TEMPLATES = [
    "My card number is {}.",
    "Yeah, it's {}.",
    "The long number on the front is {}",
    "{}",
    "Okay, so the card is a Visa, {}.",
    "It's a debit card, number {}",
    "Right, I've got it here, {}.",
    "the card number {} and that's it",
]
PHONE_TEMPLATES = [
    "You can call me on {}.",
    "My mobile number is {}",
    "The best number to reach me is {}.",
    "It's {}.",
    "my phone number is {}",
    "Just ring me back on {} please.",
]
EMAIL_TEMPLATES = [
    "My email is {}.",
    "It's {}",
    "You can send it to {}.",
    "the email address is {}",
]
NAMES = ["john", "sarah", "mike", "emma", "raj", "olivia", "tom", "aisha", "dave", "lucy"]
SURNAMES = ["smith", "jones", "patel", "brown", "taylor", "wilson", "khan", "evans", "walker"]
DOMAINS = [
    ("gmail", "com"),
    ("hotmail", "co.uk"),
    ("yahoo", "com"),
    ("outlook", "com"),
    ("btinternet", "com"),
    ("icloud", "com"),
    ("company", "org"),
]
STREETS = ["Baker", "Oak", "Station", "Church", "Victoria", "Mill", "Park View", "Queens"]
SUFFIXES = ["Street", "Road", "Avenue", "Lane", "Close", "Drive", "Way", "Crescent"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]


def year_words(year: int) -> str:
    hi, lo = divmod(year, 100)
    first = pair_words(f"{hi:02d}", random.Random(year))
    if hi == 20 and lo < 10:
        return "two thousand" + ("" if lo == 0 else f" and {WORDS[lo]}")
    if lo == 0:
        return first + " hundred"
    if lo < 10:
        return f"{first} oh {WORDS[lo]}"
    return f"{first} {pair_words(f'{lo:02d}', random.Random(year))}"


def uk_mobile(rng: random.Random) -> str:
    return (
        "07"
        + rng.choice(["911", "400", "500", "700", "800", "890", "956"])
        + "".join(rng.choice("0123456789") for _ in range(6))
    )


def uk_landline(rng: random.Random) -> str:
    return rng.choice(["0207946", "01614960", "01134960"])[:7] + "".join(
        rng.choice("0123456789") for _ in range(4)
    )


def us_phone(rng: random.Random) -> str:
    return rng.choice(["201", "212", "415", "617", "312"]) + "555" + f"01{rng.randrange(100):02d}"


PIN_TEMPLATES = [
    ("My PIN is {}.", "my pin is {}"),
    ("The passcode is {}, I think.", "uh the passcode is {} i think"),
    ("The verification code you sent is {}.", "the verification code you sent is {}"),
    ("It's {}, my telephone banking PIN.", "it's {} my telephone banking pin"),
]


def rows(rng: random.Random) -> list[tuple[str, str, str]]:
    """(form, text, expected)"""
    out: list[tuple[str, str, str]] = []
    cards = KNOWN_CARDS + [random_card(rng) for _ in range(22)]
    for k, card in enumerate(cards):
        t = CARD_TEMPLATES[k % len(CARD_TEMPLATES)]
        out.append(("written", t.format(written_card(card, rng)), t.format("[CARD]")))
        out.append(("spoken", t.format(spoken_number(card, rng)), t.format("[CARD]")))
    for k in range(30):
        kind = k % 3
        number = [uk_mobile, uk_landline, us_phone][kind](rng)
        t = PHONE_TEMPLATES[k % len(PHONE_TEMPLATES)]
        if kind == 0:
            written = f"{number[:5]} {number[5:]}"
        elif kind == 1 and number.startswith("020"):
            written = f"{number[:3]} {number[3:7]} {number[7:]}"
        elif kind == 1:
            written = f"{number[:4]} {number[4:7]} {number[7:]}"
        else:
            written = rng.choice(
                [
                    f"({number[:3]}) {number[3:6]}-{number[6:]}",
                    f"{number[:3]}-{number[3:6]}-{number[6:]}",
                ]
            )
        out.append(("written", t.format(written), t.format("[PHONE]")))
        spoken = digit_words(number, rng) if k % 2 else spoken_number(number, rng)
        out.append(("spoken", t.format(spoken), t.format("[PHONE]")))
    for k in range(24):
        first, last = NAMES[k % len(NAMES)], SURNAMES[k % len(SURNAMES)]
        host, tld = DOMAINS[k % len(DOMAINS)]
        t = EMAIL_TEMPLATES[k % len(EMAIL_TEMPLATES)]
        local = [f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}{k + 70}", first][k % 4]
        out.append(("written", t.format(f"{local}@{host}.{tld}"), t.format("[EMAIL]")))
        spoken_local = local.replace(".", " dot ")
        spoken = f"{spoken_local} at {host} dot {tld.replace('.', ' dot ')}"
        out.append(("spoken", t.format(spoken), t.format("[EMAIL]")))
    for k in range(16):
        day, month, year = 1 + rng.randrange(28), 1 + rng.randrange(12), 1940 + rng.randrange(65)
        lead = ["My date of birth is {}.", "I was born on {}", "D.O.B. {}", "date of birth {}"][
            k % 4
        ]
        written = [
            f"{day:02d}/{month:02d}/{year}",
            f"{day} {MONTHS[month - 1]} {year}",
            f"{MONTHS[month - 1]} {day}, {year}",
        ][k % 3]
        out.append(("written", lead.format(written), lead.format("[DOB]")))
        spoken = [
            f"the {ORDINALS[min(day, 20) - 1]} of {MONTHS[month - 1].lower()} {year_words(year)}",
            f"{MONTHS[month - 1].lower()} {ORDINALS[min(day, 20) - 1]} {year_words(year)}",
        ][k % 2]
        out.append(("spoken", lead.format(spoken), lead.format("[DOB]")))
    for k in range(16):
        sort = "".join(rng.choice("0123456789") for _ in range(6))
        acct = "".join(rng.choice("123456789") for _ in range(8))
        out.append(
            (
                "written",
                f"The sort code is {sort[:2]}-{sort[2:4]}-{sort[4:]}",
                "The sort code is [SORT_CODE]",
            )
        )
        out.append(("spoken", f"sort code is {digit_words(sort, rng)}", "sort code is [SORT_CODE]"))
        lead = ["My account number is {}.", "account number {}", "It's account {}"][k % 3]
        out.append(("written", lead.format(acct), lead.format("[ACCOUNT]")))
        out.append(("spoken", lead.format(spoken_number(acct, rng)), lead.format("[ACCOUNT]")))
    for k in range(12):
        area = 100 + rng.randrange(560)
        ssn = f"{area:03d}{10 + rng.randrange(89):02d}{1000 + rng.randrange(8999):04d}"
        lead = ["My social security number is {}", "SSN {}.", "my social is {}"][k % 3]
        out.append(
            ("written", lead.format(f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}"), lead.format("[SSN]"))
        )
        out.append(("spoken", lead.format(digit_words(ssn, rng)), lead.format("[SSN]")))
    prefixes = ["AB", "JG", "NE", "TW", "CE", "PR"]
    for k in range(12):
        digits = "".join(rng.choice("0123456789") for _ in range(6))
        pre, suf = prefixes[k % len(prefixes)], "ABCD"[k % 4]
        lead = ["My national insurance number is {}.", "NI number {}", "it's {}"][k % 3]
        written = [f"{pre}{digits}{suf}", f"{pre} {digits[:2]} {digits[2:4]} {digits[4:]} {suf}"][
            k % 2
        ]
        out.append(("written", lead.format(written), lead.format("[NI]")))
        spoken = f"{pre[0]} {pre[1]} {digit_words(digits, rng)} {suf}"
        if k % 3 != 2:
            out.append(("spoken", lead.format(spoken), lead.format("[NI]")))
    for k in range(16):
        number = 1 + rng.randrange(240)
        street = f"{STREETS[k % len(STREETS)]} {SUFFIXES[k % len(SUFFIXES)]}"
        lead = ["I live at {} {}.", "The address is {} {}, London", "it's {} {}"][k % 3]
        out.append(("written", lead.format(number, street), lead.format("[ADDRESS]", street)))
        words = (
            pair_words(f"{number:02d}", rng)
            if number < 100
            else f"{WORDS[number // 100]} {pair_words(f'{number % 100:02d}', rng)}"
        )
        out.append(
            ("spoken", lead.format(words, street.lower()), lead.format("[ADDRESS]", street.lower()))
        )
    for _ in range(10):
        month, year = 1 + rng.randrange(12), 24 + rng.randrange(8)
        cvv = f"{100 + rng.randrange(900)}"
        out.append(
            ("written", f"The expiry date is {month:02d}/{year}", "The expiry date is [EXPIRY]")
        )
        out.append(
            (
                "spoken",
                f"expires {pair_words(f'{month:02d}', rng)} {pair_words(str(year), rng)}",
                "expires [EXPIRY]",
            )
        )
        out.append(
            ("written", f"and the security code is {cvv}.", "and the security code is [CVV].")
        )
        out.append(("spoken", f"the CVV is {digit_words(cvv, rng)}", "the CVV is [CVV]"))
    # credentials read out for security checks: PINs, passcodes, one-time codes
    for k in range(12):
        pin = "".join(str(rng.randrange(10)) for _ in range(4 if k % 3 else 6))
        written, spoken = PIN_TEMPLATES[k % len(PIN_TEMPLATES)]
        out.append(("written", written.format(pin), written.format("[PIN]")))
        out.append(("spoken", spoken.format(digit_words(pin, rng)), spoken.format("[PIN]")))
    return out


def main() -> None:
    rng = random.Random(SEED)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["call", "speaker", "form", "text", "expected"])
        for k, (form, text, expected) in enumerate(rows(rng)):
            writer.writerow([f"g{k:03d}", "customer", form, text, expected])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
