#!/usr/bin/env python3
"""Writes the airline-support worked example's second world, the airline stating its own
rules, and the conversations that meet them:

  scenarios/worlds/airline-rules.yaml         the same flights with their departure times and
                                              cabins, a one-stop reservation paid at an older
                                              fare, bags and insurance with free allowances by
                                              membership, and the airline's rules
  scenarios/catalogs/airline-rules.yaml       the airline catalog with bags and insurance as
                                              the world's extras (counted in all, not paid)
  scenarios/transcripts/airline-rules.json    OpenAI message arrays, one per conversation

Import and replay them with:

  checkride record import scenarios/transcripts/airline-rules.json --from openai \
      --actions scenarios/catalogs/airline-rules.yaml --session-id-field task_id,trial \
      --user-id-field user_id --out scenarios/cassettes/airline-rules.jsonl
  checkride replay scenarios/cassettes/airline-rules.jsonl --world scenarios/worlds/airline-rules.yaml

Run from the repository root; the output is deterministic.
"""
import json

import conversation
from airline_support import CABINS, FLIGHTS, SYSTEM, USERS, fare

NOW = "2026-12-09T10:00:00Z"  # K1NW8N's HAT001 leaves at 08:00 on the 10th: 22 hours on
EXTRA_FLIGHTS = [("HAT008", "ORD", "LAX", "2026-12-12", 179, 0, 30, 459)]
TIERS = {"mia_li_3668": "gold", "omar_davis_3817": "regular"}
# id, user, flights, passengers, paid (dollars), extras held
RESERVATIONS = [
    ("ZFA04Y", "mia_li_3668", ["HAT002"], 2, 398, {}),
    ("K1NW8N", "omar_davis_3817", ["HAT001"], 1, 279, {"travel_insurance": 1}),
    # A one-stop bought in a sale: $216 for fares that are $288 today.
    ("L2KP7M", "sofia_kim_7421", ["HAT005", "HAT003"], 1, 216, {}),
]
RULES = """extras:
  - id: checked_bag
    price_cents: 5000
    free:
      - {membership: gold, units: 3}
      - {units: 1}
  - {id: travel_insurance, price_cents: 3000, per: passenger}
memberships:
  - {user: mia_li_3668, tier: gold}
  - {user: omar_davis_3817, tier: regular}
booking_rules:
  not_within: {cancel: 24h}
instrument_rules:
  - {prefix: certificate_, pays_for: [purchase]}
"""


def flights():
    return FLIGHTS + EXTRA_FLIGHTS


def find(number):
    return next(f for f in flights() if f[0] == number)


def offer(number):
    f = find(number)
    return f"{f[0]}-{f[3]}-economy"


def reservation(rid):
    return next(r for r in RESERVATIONS if r[0] == rid)


def history(rid, *more):
    r = reservation(rid)
    return [{"payment_id": USERS[r[1]]["card"], "amount": r[4]}] + list(more)


def details(rid, *more):
    r = reservation(rid)
    return {"reservation_id": rid, "user_id": r[1], "cabin": "economy",
            "flights": [{"flight_number": n, "date": find(n)[3]} for n in r[2]],
            "payment_history": history(rid, *more)}


def start(task, trial, rid, ask):
    r = reservation(rid)
    c = conversation.Conversation(task, trial, r[1], SYSTEM)
    c.say("user", f"I'm {r[1]}. {ask}")
    c.call("get_reservation_details", {"reservation_id": rid}, details(rid))
    return c, r


def bags(task, trial, rid, total, fee):
    """Bags counted in all: the allowance (one each, three for gold members) is free."""
    c, r = start(task, trial, rid, f"I want {total} checked bags on {rid} in all.")
    card = USERS[r[1]]["card"]
    c.say("assistant", f"{total} bags on {rid}: " +
          (f"${fee:.2f} for the ones past your allowance" if fee else "all within your "
           "allowance, nothing to pay") + f", on {card}. Shall I?")
    c.say("user", "Yes.")
    more = [{"payment_id": card, "amount": fee}] if fee else []
    c.call("update_reservation_baggages",
           {"reservation_id": rid, "total_baggages": total, "nonfree_baggages": 0 if not fee
            else total - 1, "payment_id": card},
           dict(details(rid, *more), total_baggages=total))
    c.say("assistant", "Done.")
    return c


def book_insured(task, trial):
    """HAT005 with two bags (one free) and insurance: $129 + $50 + $30, one payment."""
    user, f = "omar_davis_3817", find("HAT005")
    card = USERS[user]["card"]
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", f"I'm {user}. {f[1]} to {f[2]} on {f[3]}, two bags, insured.")
    c.say("assistant", f"{f[0]} economy with two bags (one free) and insurance: $209.00 on "
                       f"{card}. Book?")
    c.say("user", "Yes.")
    paid = [{"payment_id": card, "amount": 209}]
    args = {"user_id": user, "origin": f[1], "destination": f[2], "flight_type": "one_way",
            "cabin": "economy", "flights": [{"flight_number": f[0], "date": f[3]}],
            "passengers": [{"first_name": "Omar", "last_name": "Davis", "dob": "1980-02-02"}],
            "payment_methods": paid, "total_baggages": 2, "nonfree_baggages": 1,
            "insurance": "yes"}
    c.call("book_reservation", args,
           {"reservation_id": f"NEW{task:03d}{trial}", "status": "confirmed",
            "payment_history": paid})
    c.say("assistant", "You're booked.")
    return c


def cancel_too_late(task, trial):
    c, r = start(task, trial, "K1NW8N", "Cancel K1NW8N, please.")
    c.say("assistant", "Cancel K1NW8N for a refund of the $249.00 fare? The insurance is kept.")
    c.say("user", "Yes.")
    c.call("cancel_reservation", {"reservation_id": "K1NW8N"},
           "Error: cannot cancel within 24 hours of departure")
    c.say("assistant", "Sorry: it leaves in less than 24 hours, so it can no longer be "
                       "cancelled.")
    return c


def bag_by_certificate(task, trial):
    c, r = start(task, trial, "K1NW8N", "Two bags on K1NW8N, paid with my certificate_8100.")
    c.say("assistant", "The second bag is $50.00 on certificate_8100. Shall I?")
    c.say("user", "Yes.")
    c.call("update_reservation_baggages",
           {"reservation_id": "K1NW8N", "total_baggages": 2, "nonfree_baggages": 1,
            "payment_id": "certificate_8100"},
           "Error: a travel certificate can only pay for a new reservation")
    c.say("assistant", "A certificate pays only for new flights; a card can pay for bags.")
    return c


def change_second_leg(task, trial):
    """HAT003 for HAT008 the day after: the HAT005 leg keeps its share of the $216 paid
    ($96.75), the new leg is today's $179: $59.75 more, not $92 at today's fares."""
    c, r = start(task, trial, "L2KP7M", "Can my ORD-LAX leg of L2KP7M be on the 12th instead?")
    card = USERS[r[1]]["card"]
    new = find("HAT008")
    c.say("assistant", f"{new[0]} on {new[3]} costs $59.75 more on {card}. Change it?")
    c.say("user", "Yes.")
    c.call("update_reservation_flights",
           {"reservation_id": "L2KP7M", "cabin": "economy",
            "flights": [{"flight_number": "HAT005", "date": find("HAT005")[3]},
                        {"flight_number": new[0], "date": new[3]}], "payment_id": card},
           details("L2KP7M", {"payment_id": card, "amount": 59.75}))
    c.say("assistant", "Done.")
    return c


def conversations():
    out = []
    for trial in (1, 2):
        out += [bags(1, trial, "K1NW8N", 2, 50), bags(2, trial, "ZFA04Y", 3, 0),
                book_insured(3, trial), cancel_too_late(4, trial), bag_by_certificate(5, trial),
                change_second_leg(6, trial)]
    return [c.dump() for c in out]


def world():
    lines = ["# Written by scenarios/generate/airline_rules.py: the airline-support worked",
             "# example's airline stating its own rules (docs/worked-examples.md).",
             "currency: usd", f"now: \"{NOW}\"", "offers:"]
    for f in flights():
        for cabin in CABINS:
            hour = 8 + int(f[0][3:]) % 10  # HAT001 at 08:00, HAT003 at 11:00, ...
            lines.append(
                f"  - {{id: {f[0]}-{f[3]}-{cabin}, route: {f[1]}-{f[2]} {f[3]}, "
                f"price_cents: {fare(f, cabin) * 100}, capacity: 500, refund_percent: {f[5]}, "
                f"cabin: {cabin}, departs_at: \"{f[3]}T{hour:02d}:00:00Z\"}}")
    lines.append("bookings:")
    for rid, user, legs, seats, paid, extras in RESERVATIONS:
        more = f", connections: [{offer(legs[1])}]" if len(legs) > 1 else ""
        held = ", extras: {" + ", ".join(f"{k}: {v}" for k, v in extras.items()) + "}" \
            if extras else ""
        lines.append(f"  - {{reference: {rid}, user: {user}, offer: {offer(legs[0])}, "
                     f"seats: {seats}, paid_cents: {paid * 100}{more}{held}}}")
    lines.append("stored_value:")
    lines.append("  - {id: certificate_8100, user: omar_davis_3817, balance_cents: 20000}")
    return "\n".join(lines) + "\n" + RULES


def catalog():
    """The shipped airline catalog with bags and insurance as the world's extras."""
    with open("scenarios/catalogs/airline-support.yaml") as f:
        text = f.read()
    old = "extras: /nonfree_baggages"
    assert old in text, "the airline catalog changed"
    text = text.replace(old, "extras: {checked_bag: /total_baggages}")
    book = "map: {legs: /flights, leg_offer: [flight_number, date, /cabin],"
    assert book in text, "the airline catalog changed"
    text = text.replace(book, "map: {extras: {checked_bag: /total_baggages, "
                              "travel_insurance: /insurance},\n          " + book[6:])
    return ("# Written by scenarios/generate/airline_rules.py from airline-support.yaml: bags\n"
            "# and insurance are the world's extras (docs/worlds.md), counted in all.\n" + text)


if __name__ == "__main__":
    with open("scenarios/worlds/airline-rules.yaml", "w") as f:
        f.write(world())
    with open("scenarios/catalogs/airline-rules.yaml", "w") as f:
        f.write(catalog())
    with open("scenarios/transcripts/airline-rules.json", "w") as f:
        json.dump(conversations(), f, indent=1)
        f.write("\n")
