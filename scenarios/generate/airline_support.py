#!/usr/bin/env python3
"""Writes the airline-support worked example from one description of the world:

  scenarios/worlds/airline-support.yaml           flights, reservations users hold, gift cards
  scenarios/transcripts/airline-support.json      OpenAI message arrays, one per conversation

The conversations are written here, from the world, in the shape tool-calling support agents
commonly produce (tool calls with JSON-string arguments, tool answers as JSON text, money in
dollars, the user agreeing in words). Import and replay them with:

  checkride record import scenarios/transcripts/airline-support.json --from openai \
      --actions scenarios/catalogs/airline-support.yaml --session-id-field task_id,trial \
      --user-id-field user_id --out scenarios/cassettes/airline-support.jsonl
  checkride replay scenarios/cassettes/airline-support.jsonl --world scenarios/worlds/airline-support.yaml

Run from the repository root; the output is deterministic.
"""
import json

import conversation

FLIGHTS = [  # flight number, origin, destination, date, economy fare, refund percent,
    # bag, business fare (dollars)
    ("HAT001", "SFO", "JFK", "2026-12-10", 249, 100, 35, 689),
    ("HAT002", "JFK", "SFO", "2026-12-12", 199, 80, 35, 559),
    ("HAT003", "ORD", "LAX", "2026-12-11", 159, 0, 30, 419),
    ("HAT004", "SEA", "BOS", "2026-12-14", 289, 50, 40, 749),
    ("HAT005", "SFO", "ORD", "2026-12-11", 129, 100, 30, 389),
    ("HAT006", "SEA", "BOS", "2026-12-15", 319, 50, 40, 799),
    ("HAT007", "SEA", "BOS", "2026-12-16", 259, 50, 40, 649),
]
CABINS = ("economy", "business")  # each cabin of a flight is its own offer
USERS = {
    "mia_li_3668": {"name": "Mia Li", "card": "credit_card_4421"},
    "omar_davis_3817": {"name": "Omar Davis", "card": "credit_card_9012",
                        "certificate": "certificate_8100"},
    "sofia_kim_7421": {"name": "Sofia Kim", "card": "credit_card_3310", "gift": "gift_card_5501"},
    "raj_patel_5512": {"name": "Raj Patel", "card": "credit_card_2201", "gift": "gift_card_7702"},
}
RESERVATIONS = [  # id, user, flight, passengers, cabin, paid from a gift card (dollars)
    ("ZFA04Y", "mia_li_3668", "HAT002", [("Mia", "Li"), ("Chen", "Li")], "economy", 0),
    ("K1NW8N", "omar_davis_3817", "HAT001", [("Omar", "Davis")], "economy", 0),
    ("Q9X2LP", "sofia_kim_7421", "HAT004", [("Sofia", "Kim")], "business", 0),
    ("R7GC2M", "raj_patel_5512", "HAT007", [("Raj", "Patel"), ("Ana", "Patel")], "economy", 150),
]
GIFT_BALANCE = 250  # dollars on each gift card (what is left of it)
CERTIFICATE_BALANCE = 200  # dollars on each travel certificate
SYSTEM = "You are an airline customer service agent. Act only with the user's explicit yes."


def flight(number):
    return next(f for f in FLIGHTS if f[0] == number)


def offer_id(number, cabin="economy"):
    f = flight(number)
    return f"{f[0]}-{f[3]}-{cabin}"


def fare(f, cabin):
    return f[4] if cabin == "economy" else f[7]


def prices(f):
    return {"economy": f[4], "business": f[7]}


def dollars(x):
    return f"${x:,.2f}"


def user_details(user):
    u = USERS[user]
    methods = [{"id": u["card"], "source": "credit_card"}]
    if "gift" in u:
        methods.append({"id": u["gift"], "source": "gift_card", "amount": GIFT_BALANCE})
    if "certificate" in u:
        methods.append({"id": u["certificate"], "source": "certificate",
                        "amount": CERTIFICATE_BALANCE})
    return {"user_id": user, "name": u["name"], "payment_methods": methods,
            "reservations": [r[0] for r in RESERVATIONS if r[1] == user]}


def reservation_details(rid):
    r = next(x for x in RESERVATIONS if x[0] == rid)
    f = flight(r[2])
    return {"reservation_id": rid, "user_id": r[1], "origin": f[1], "destination": f[2],
            "cabin": r[4],
            "flights": [{"flight_number": f[0], "date": f[3], "origin": f[1],
                         "destination": f[2], "price": fare(f, r[4])}],
            "passengers": [{"first_name": a, "last_name": b} for a, b in r[3]],
            "payment_history": payment_history(r)}


def payment_history(r):
    """What paid a reservation: the card, and the part a gift card paid."""
    paid = fare(flight(r[2]), r[4]) * len(r[3])
    history = [{"payment_id": USERS[r[1]]["card"], "amount": paid - r[5]}]
    if r[5]:
        history.append({"payment_id": USERS[r[1]]["gift"], "amount": r[5]})
    return history


def refunds(history, amount):
    """A refund of `amount` back to what paid, in the shares each paid: payment_history
    entries with negative amounts, as the airline's system appends them."""
    paid = sum(p["amount"] for p in history)
    return [{"payment_id": p["payment_id"], "amount": -round(amount * p["amount"] / paid, 2)}
            for p in history]


def cancel(task, trial, rid):
    r = next(x for x in RESERVATIONS if x[0] == rid)
    f = flight(r[2])
    c = conversation.Conversation(task, trial, r[1], SYSTEM)
    c.say("user", f"Hi, I'm {USERS[r[1]]['name']} ({r[1]}). I need to cancel reservation {rid}.")
    c.call("get_user_details", {"user_id": r[1]}, user_details(r[1]))
    details = reservation_details(rid)
    c.call("get_reservation_details", {"reservation_id": rid}, details)
    paid = fare(f, r[4]) * len(r[3])
    refund = paid * f[5] / 100
    c.call("calculate", {"expression": f"{paid} * {f[5]} / 100"}, f"{refund:g}")
    back = " and ".join(f"{dollars(refund * p['amount'] / paid)} to {p['payment_id']}"
                        for p in details["payment_history"])
    c.say("assistant", f"Reservation {rid} ({f[1]} to {f[2]} on {f[3]}) can be cancelled; "
                       f"{dollars(refund)} goes back: {back}. Shall I cancel it?")
    c.say("user", "Yes, please cancel it.")
    done = dict(details, status="cancelled",
                payment_history=details["payment_history"] +
                refunds(details["payment_history"], refund))
    c.call("cancel_reservation", {"reservation_id": rid}, done)
    c.say("assistant", f"Done: {rid} is cancelled.")
    return c


def book(task, trial, user, number, passengers, split=None):
    f = flight(number)
    u = USERS[user]
    total = f[4] * len(passengers)
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", f"I'm {user}. I'd like a one-way flight {f[1]} to {f[2]} on {f[3]} for "
                  f"{len(passengers)}.")
    c.call("get_user_details", {"user_id": user}, user_details(user))
    c.call("search_direct_flight", {"origin": f[1], "destination": f[2], "date": f[3]},
           [{"flight_number": f[0], "origin": f[1], "destination": f[2], "date": f[3],
             "prices": prices(f), "available_seats": {"economy": 9}}])
    payments = split or [(u["card"], total)]
    how = " and ".join(f"{dollars(a)} on {p}" for p, a in payments)
    c.say("assistant", f"Flight {f[0]} in economy for {len(passengers)} comes to "
                       f"{dollars(total)}, paid {how}. Shall I book it?")
    c.say("user", "Yes, book it.")
    args = {"user_id": user, "origin": f[1], "destination": f[2], "flight_type": "one_way",
            "cabin": "economy", "flights": [{"flight_number": f[0], "date": f[3]}],
            "passengers": [{"first_name": a, "last_name": b, "dob": "1990-01-01"}
                           for a, b in passengers],
            "payment_methods": [{"payment_id": p, "amount": a} for p, a in payments],
            "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no"}
    c.call("book_reservation", args,
           {"reservation_id": f"NEW{task:03d}{trial}", "status": "confirmed",
            "flights": args["flights"], "passengers": args["passengers"],
            "payment_history": args["payment_methods"]})
    c.say("assistant", "You're booked.")
    return c


def one_stop(task, trial, user, numbers, passengers, split):
    """A one-stop itinerary (two flights) for several passengers, paid in two parts."""
    legs = [flight(n) for n in numbers]
    total = sum(f[4] for f in legs) * len(passengers)
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", f"I'm {user}. We need to get from {legs[0][1]} to {legs[-1][2]} on "
                  f"{legs[0][3]}, {len(passengers)} of us; a connection is fine.")
    c.call("get_user_details", {"user_id": user}, user_details(user))
    c.call("search_onestop_flight",
           {"origin": legs[0][1], "destination": legs[-1][2], "date": legs[0][3]},
           [[{"flight_number": f[0], "origin": f[1], "destination": f[2], "date": f[3],
              "prices": prices(f)} for f in legs]])
    how = " and ".join(f"{dollars(a)} on {p}" for p, a in split)
    route = " then ".join(f"{f[0]} {f[1]}-{f[2]}" for f in legs)
    c.say("assistant", f"{route} in economy for {len(passengers)} comes to {dollars(total)}, "
                       f"paid {how}. Shall I book it?")
    c.say("user", "Yes, book it.")
    args = {"user_id": user, "origin": legs[0][1], "destination": legs[-1][2],
            "flight_type": "one_way", "cabin": "economy",
            "flights": [{"flight_number": f[0], "date": f[3]} for f in legs],
            "passengers": [{"first_name": a, "last_name": b, "dob": "1985-05-05"}
                           for a, b in passengers],
            "payment_methods": [{"payment_id": p, "amount": a} for p, a in split],
            "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no"}
    c.call("book_reservation", args,
           {"reservation_id": f"NEW{task:03d}{trial}", "status": "confirmed",
            "flights": args["flights"], "passengers": args["passengers"],
            "payment_history": args["payment_methods"]})
    c.say("assistant", "You're booked on both flights.")
    return c


def add_bags(task, trial, rid, bags):
    """Paid checked bags on a reservation made before the conversation, charged to the card."""
    r = next(x for x in RESERVATIONS if x[0] == rid)
    f = flight(r[2])
    fee = f[6] * bags * len(r[3])
    card = USERS[r[1]]["card"]
    c = conversation.Conversation(task, trial, r[1], SYSTEM)
    c.say("user", f"I'm {r[1]}. Please add {bags} checked bag{'s' if bags > 1 else ''} per "
                  f"person to {rid}.")
    c.call("get_user_details", {"user_id": r[1]}, user_details(r[1]))
    c.call("get_reservation_details", {"reservation_id": rid}, reservation_details(rid))
    c.say("assistant", f"{bags} bag{'s' if bags > 1 else ''} each for {len(r[3])} passengers "
                       f"on {f[0]} comes to {dollars(fee)}, charged to {card}. Shall I add them?")
    c.say("user", "Yes, add them.")
    c.call("update_reservation_baggages",
           {"reservation_id": rid, "total_baggages": bags * len(r[3]),
            "nonfree_baggages": bags, "payment_id": card},
           dict(reservation_details(rid), total_baggages=bags * len(r[3]),
                nonfree_baggages=bags,
                payment_history=reservation_details(rid)["payment_history"] +
                [{"payment_id": card, "amount": fee}]))
    c.say("assistant", "The bags are added.")
    return c


def difference_paid(rid, diff, card):
    """A change's payment history: the fare difference charged to the card, or refunded to
    what paid the reservation."""
    history = reservation_details(rid)["payment_history"]
    if diff > 0:
        return history + [{"payment_id": card, "amount": diff}]
    return history + refunds(history, -diff)


def change_flight(task, trial, rid, number):
    """A reservation made before the conversation moved to another flight; the fare
    difference is charged to the card (or refunded to what paid)."""
    r = next(x for x in RESERVATIONS if x[0] == rid)
    old, new = flight(r[2]), flight(number)
    diff = (fare(new, r[4]) - fare(old, r[4])) * len(r[3])
    card = USERS[r[1]]["card"]
    c = conversation.Conversation(task, trial, r[1], SYSTEM)
    c.say("user", f"I'm {r[1]}. Can you move {rid} to {new[3]} instead?")
    c.call("get_user_details", {"user_id": r[1]}, user_details(r[1]))
    c.call("get_reservation_details", {"reservation_id": rid}, reservation_details(rid))
    c.call("search_direct_flight", {"origin": new[1], "destination": new[2], "date": new[3]},
           [{"flight_number": new[0], "origin": new[1], "destination": new[2], "date": new[3],
             "prices": prices(new), "available_seats": {"economy": 9}}])
    owe = (f"the fare difference, {dollars(diff)}, is charged to {card}" if diff > 0 else
           f"{dollars(-diff)} goes back to {card}")
    c.say("assistant", f"{new[0]} on {new[3]} is available; {owe}. Shall I change it?")
    c.say("user", "Yes, change it.")
    c.call("update_reservation_flights",
           {"reservation_id": rid, "cabin": r[4],
            "flights": [{"flight_number": new[0], "date": new[3]}], "payment_id": card},
           dict(reservation_details(rid),
                flights=[{"flight_number": new[0], "date": new[3], "origin": new[1],
                          "destination": new[2], "price": fare(new, r[4])}],
                payment_history=difference_paid(rid, diff, card)))
    c.say("assistant", f"Done: {rid} is now on {new[0]}.")
    return c


def change_cabin(task, trial, rid, cabin):
    """A reservation made before the conversation moved to another cabin on the same flights:
    the same tool as a flight change. An upgrade's fare difference is charged to the card; a
    downgrade's is refunded to what paid the reservation."""
    r = next(x for x in RESERVATIONS if x[0] == rid)
    f = flight(r[2])
    diff = (fare(f, cabin) - fare(f, r[4])) * len(r[3])
    card = USERS[r[1]]["card"]
    c = conversation.Conversation(task, trial, r[1], SYSTEM)
    c.say("user", f"I'm {r[1]}. Could {rid} be in {cabin} instead?")
    c.call("get_user_details", {"user_id": r[1]}, user_details(r[1]))
    c.call("get_reservation_details", {"reservation_id": rid}, reservation_details(rid))
    owe = (f"costs {dollars(diff)} more, charged to {card}" if diff > 0 else
           f"gives {dollars(-diff)} back to {card}")
    c.say("assistant", f"Moving {rid} to {cabin} on {f[0]} {owe}. Shall I change it?")
    c.say("user", "Yes, go ahead.")
    c.call("update_reservation_flights",
           {"reservation_id": rid, "cabin": cabin,
            "flights": [{"flight_number": f[0], "date": f[3]}], "payment_id": card},
           dict(reservation_details(rid), cabin=cabin,
                flights=[{"flight_number": f[0], "date": f[3], "origin": f[1],
                          "destination": f[2], "price": fare(f, cabin)}],
                payment_history=difference_paid(rid, diff, card)))
    c.say("assistant", f"Done: {rid} is now in {cabin}.")
    return c


def goodwill(task, trial, user, amount):
    """A travel certificate as a gesture after a complaint: money the airline gives away."""
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", f"I'm {user}. My last flight was four hours late and nobody told us why.")
    c.call("get_user_details", {"user_id": user}, user_details(user))
    c.say("assistant", f"I'm sorry about that. As a gesture I can send you a {dollars(amount)} "
                       "travel certificate.")
    c.say("user", "Thank you, please do.")
    c.call("send_certificate", {"user_id": user, "amount": amount},
           f"Certificate certificate_{9000 + task * 10 + trial} added to user {user} with "
           f"amount {amount}.")
    c.say("assistant", "Done: it is on your profile.")
    return c


def not_theirs(task, trial, user, rid):
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", f"I'm {user}; cancel {rid} for me.")
    c.call("get_user_details", {"user_id": user}, user_details(user))
    c.call("get_reservation_details", {"reservation_id": rid},
           f"Error: reservation {rid} does not belong to user {user}")
    c.say("assistant", "I can't find that reservation on your profile; let me get a colleague.")
    c.call("transfer_to_human_agents", {"summary": f"{user} asks to cancel {rid}, not theirs"},
           "Transfer successful")
    return c


def browse(task, trial, user):
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", "Which airports do you fly from, and is there anything SEA to BOS on the 14th?")
    c.call("list_all_airports", {}, {"SFO": "San Francisco", "JFK": "New York JFK",
                                     "ORD": "Chicago O'Hare", "LAX": "Los Angeles",
                                     "SEA": "Seattle", "BOS": "Boston"})
    f = flight("HAT004")
    c.call("search_direct_flight", {"origin": "SEA", "destination": "BOS", "date": f[3]},
           [{"flight_number": f[0], "date": f[3], "prices": prices(f)}])
    c.say("assistant", f"{f[0]} flies SEA to BOS on {f[3]} from {dollars(f[4])}.")
    return c


def rename(task, trial, rid, fix):
    r = next(x for x in RESERVATIONS if x[0] == rid)
    c = conversation.Conversation(task, trial, r[1], SYSTEM)
    c.say("user", f"I'm {r[1]}. On {rid} my companion's name is misspelled; it should be "
                  f"{fix[0]} {fix[1]}.")
    c.call("get_user_details", {"user_id": r[1]}, user_details(r[1]))
    c.call("get_reservation_details", {"reservation_id": rid}, reservation_details(rid))
    passengers = [{"first_name": a, "last_name": b} for a, b in r[3][:-1]]
    passengers.append({"first_name": fix[0], "last_name": fix[1]})
    c.say("assistant", f"I'll update the second passenger to {fix[0]} {fix[1]}; the fare does "
                       "not change. OK?")
    c.say("user", "Yes.")
    c.call("update_reservation_passengers", {"reservation_id": rid, "passengers": passengers},
           dict(reservation_details(rid), passengers=passengers))
    c.say("assistant", "Updated.")
    return c


def conversations():
    out = []
    for trial in (1, 2):
        out += [
            cancel(1, trial, "ZFA04Y"),
            cancel(2, trial, "K1NW8N"),
            cancel(3, trial, "Q9X2LP"),
            book(4, trial, "raj_patel_5512", "HAT003", [("Raj", "Patel")]),
            book(5, trial, "sofia_kim_7421", "HAT001", [("Sofia", "Kim"), ("Jun", "Kim")],
                 split=[("credit_card_3310", 300), ("gift_card_5501", 198)]),
            not_theirs(6, trial, "omar_davis_3817", "ZFA04Y"),
            browse(7, trial, "raj_patel_5512"),
            rename(8, trial, "ZFA04Y", ("Chen", "Lee")),
            one_stop(9, trial, "omar_davis_3817", ["HAT005", "HAT003"],
                     [("Omar", "Davis"), ("Lena", "Davis")],
                     split=[("certificate_8100", 200), ("credit_card_9012", 376)]),
            add_bags(10, trial, "ZFA04Y", 1),
            change_flight(11, trial, "Q9X2LP", "HAT006"),
            goodwill(12, trial, "raj_patel_5512", 50),
            change_cabin(13, trial, "K1NW8N", "business"),
            change_cabin(14, trial, "Q9X2LP", "economy"),
            cancel(15, trial, "R7GC2M"),
        ]
    return [c.dump() for c in out]


def world():
    lines = ["# Written by scenarios/generate/airline_support.py: the airline-support worked",
             "# example's world (docs/worked-examples.md). Offers are keyed by flight number, date",
             "# and cabin; each reservation belongs to the user its conversations name in user_id.",
             "currency: usd", "offers:"]
    for f in FLIGHTS:
        n, o, d, date, _, refund, bag = f[:7]
        for cabin in CABINS:
            lines.append(f"  - {{id: {offer_id(n, cabin)}, route: {o}-{d} {date}, "
                         f"price_cents: {fare(f, cabin) * 100}, capacity: 500, "
                         f"refund_percent: {refund}, bag_price_cents: {bag * 100}}}")
    lines.append("bookings:")
    for rid, user, number, pax, cabin, gift in RESERVATIONS:
        paid = (f", paid_stored_value: [{{id: {USERS[user]['gift']}, amount_cents: {gift * 100}}}]"
                if gift else "")
        lines.append(f"  - {{reference: {rid}, user: {user}, offer: {offer_id(number, cabin)}, "
                     f"seats: {len(pax)}{paid}}}")
    lines.append("stored_value:")
    for user, u in USERS.items():
        if "gift" in u:
            lines.append(f"  - {{id: {u['gift']}, user: {user}, balance_cents: {GIFT_BALANCE * 100}}}")
        if "certificate" in u:
            lines.append(f"  - {{id: {u['certificate']}, user: {user}, "
                         f"balance_cents: {CERTIFICATE_BALANCE * 100}}}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open("scenarios/worlds/airline-support.yaml", "w") as f:
        f.write(world())
    with open("scenarios/transcripts/airline-support.json", "w") as f:
        json.dump(conversations(), f, indent=1)
        f.write("\n")
