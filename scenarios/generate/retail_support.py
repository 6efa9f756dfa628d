#!/usr/bin/env python3
"""Writes the retail-support worked example from one description of the world:

  scenarios/worlds/retail-support.yaml         products and the orders users placed before
  scenarios/transcripts/retail-support.json    OpenAI message arrays, one per conversation

Import and replay them with:

  checkride record import scenarios/transcripts/retail-support.json --from openai \
      --actions scenarios/catalogs/retail-support.yaml --session-id-field task_id,trial \
      --user-id-field user_id --out scenarios/cassettes/retail-support.jsonl
  checkride replay scenarios/cassettes/retail-support.jsonl --world scenarios/worlds/retail-support.yaml

Run from the repository root; the output is deterministic.
"""
import json

import conversation

PRODUCTS = [  # sku, name, price (dollars)
    ("LAMP-DESK-BLK", "Desk lamp, black", 54.99),
    ("KBD-MECH-BRN", "Mechanical keyboard, brown switches", 129.50),
    ("MUG-CER-12", "Ceramic mug, 12 oz", 14.00),
    ("BAG-HIKE-30", "Hiking backpack, 30 l", 89.90),
    ("MUG-CER-16", "Ceramic mug, 16 oz", 16.00),
    ("LAMP-DESK-WHT", "Desk lamp, white", 59.99),
]
USERS = {
    "yusuf_rossi_9620": {"email": "yusuf.rossi@example.com", "card": "credit_card_9513926",
                         "gift": "gift_card_7701"},
    "ana_brown_2254": {"email": "ana.brown@example.com", "card": "credit_card_1184732"},
    "lena_park_7731": {"email": "lena.park@example.com", "card": "credit_card_5520913"},
}
ORDERS = [  # id, user, status, [(sku, qty)]
    ("#W2378156", "yusuf_rossi_9620", "pending", [("KBD-MECH-BRN", 1), ("MUG-CER-12", 2)]),
    ("#W4817420", "yusuf_rossi_9620", "delivered", [("LAMP-DESK-BLK", 1)]),
    ("#W6390527", "ana_brown_2254", "pending", [("BAG-HIKE-30", 1)]),
    ("#W7315524", "lena_park_7731", "delivered", [("MUG-CER-12", 3), ("LAMP-DESK-BLK", 1)]),
]
GIFT_BALANCE = 300  # dollars on each gift card
SYSTEM = "You are a retail customer service agent. Act only with the user's explicit yes."


def price(sku):
    return next(p[2] for p in PRODUCTS if p[0] == sku)


def total(order):
    return round(sum(price(s) * q for s, q in order[3]), 2)


def order(oid):
    return next(o for o in ORDERS if o[0] == oid)


def details(oid):
    o = order(oid)
    return {"order_id": oid, "user_id": o[1], "status": o[2],
            "items": [{"item_id": s, "name": next(p[1] for p in PRODUCTS if p[0] == s),
                       "price": price(s), "quantity": q} for s, q in o[3]],
            "payment_history": [{"transaction_type": "payment", "amount": total(o),
                                 "payment_method_id": USERS[o[1]]["card"]}]}


def identify(c, user):
    c.call("find_user_id_by_email", {"email": USERS[user]["email"]}, user)
    c.call("get_user_details", {"user_id": user},
           {"user_id": user, "email": USERS[user]["email"],
            "payment_methods": dict({USERS[user]["card"]: {"source": "credit_card"}},
                                    **({USERS[user]["gift"]: {"source": "gift_card",
                                                              "balance": GIFT_BALANCE}}
                                       if "gift" in USERS[user] else {})),
            "orders": [o[0] for o in ORDERS if o[1] == user]})


def cancel(task, trial, oid):
    o = order(oid)
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"Hi, my email is {USERS[o[1]]['email']}. Please cancel order {oid}, "
                  "I no longer need it.")
    identify(c, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    c.say("assistant", f"Order {oid} is pending; cancelling refunds ${total(o):.2f} to "
                       f"{USERS[o[1]]['card']}. Confirm?")
    c.say("user", "Yes, cancel it.")
    c.call("cancel_pending_order", {"order_id": oid, "reason": "no longer needed"},
           dict(details(oid), status="cancelled",
                payment_history=details(oid)["payment_history"] + [
                    {"transaction_type": "refund", "amount": total(o),
                     "payment_method_id": USERS[o[1]]["card"]}]))
    c.say("assistant", "Cancelled; the refund is on its way.")
    return c


def delivered(task, trial, oid):
    o = order(oid)
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"I'm {USERS[o[1]]['email']}; cancel {oid}.")
    identify(c, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    c.call("cancel_pending_order", {"order_id": oid, "reason": "no longer needed"},
           "Error: non-pending order cannot be cancelled")
    c.say("assistant", "That order was already delivered, so it can only be returned.")
    return c


def browse(task, trial, user):
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", "What kinds of products do you sell?")
    c.call("list_all_product_types", {}, {p[1]: p[0] for p in PRODUCTS})
    c.say("assistant", "Lamps, keyboards, mugs and backpacks.")
    return c


def new_address(task, trial, oid):
    o = order(oid)
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"I'm {USERS[o[1]]['email']}. I moved: please ship {oid} to 12 Elm St, "
                  "Austin, TX 78701, USA.")
    identify(c, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    c.say("assistant", f"I'll change the shipping address of {oid} to 12 Elm St, Austin, TX "
                       "78701, USA. Confirm?")
    c.say("user", "Yes please.")
    address = {"order_id": oid, "address1": "12 Elm St", "address2": "", "city": "Austin",
               "state": "TX", "country": "USA", "zip": "78701"}
    c.call("modify_pending_order_address", address,
           dict(details(oid), address={k: v for k, v in address.items() if k != "order_id"}))
    c.say("assistant", "Done.")
    return c


def return_items(task, trial, oid, skus):
    o = order(oid)
    back = round(sum(price(s) for s in skus), 2)
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"I'm {USERS[o[1]]['email']}. Two of the mugs from {oid} arrived chipped; "
                  "I'd like to return them.")
    identify(c, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    c.say("assistant", f"I can return {len(skus)} of the mugs from {oid}; ${back:.2f} goes back "
                       f"to {USERS[o[1]]['card']}. Shall I go ahead?")
    c.say("user", "Yes, return them.")
    c.call("return_delivered_order_items",
           {"order_id": oid, "item_ids": skus, "payment_method_id": USERS[o[1]]["card"]},
           dict(details(oid), status="return requested",
                payment_history=details(oid)["payment_history"] + [
                    {"transaction_type": "refund", "amount": back,
                     "payment_method_id": USERS[o[1]]["card"]}]))
    c.say("assistant", "The return is registered; the refund follows.")
    return c


def swap(task, trial, oid, old, new, tool, why):
    """Some of an order's items for others, one for one; the difference charged to the card."""
    o = order(oid)
    diff = round(sum(price(s) for s in new) - sum(price(s) for s in old), 2)
    card = USERS[o[1]]["card"]
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"I'm {USERS[o[1]]['email']}. On {oid}, {why}")
    identify(c, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    c.say("assistant", f"I can swap {len(old)} item{'s' if len(old) > 1 else ''}; the "
                       f"difference of ${diff:.2f} is charged to {card}. Confirm?")
    c.say("user", "Yes, go ahead.")
    c.call(tool, {"order_id": oid, "item_ids": old, "new_item_ids": new,
                  "payment_method_id": card},
           dict(details(oid), status="exchange requested" if o[2] == "delivered" else "pending",
                payment_history=details(oid)["payment_history"] + [
                    {"transaction_type": "payment" if diff > 0 else "refund",
                     "amount": abs(diff), "payment_method_id": card}]))
    c.say("assistant", "Done.")
    return c


def pay_with_gift_card(task, trial, oid):
    """A pending order paid by the user's gift card instead; the card is refunded."""
    o = order(oid)
    u = USERS[o[1]]
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"I'm {u['email']}. Please pay {oid} with my gift card instead of my card.")
    identify(c, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    c.say("assistant", f"{oid} comes to ${total(o):.2f}: I'll charge {u['gift']} and refund "
                       f"{u['card']}. Confirm?")
    c.say("user", "Yes, do that.")
    c.call("modify_pending_order_payment", {"order_id": oid, "payment_method_id": u["gift"]},
           dict(details(oid), payment_history=[
               {"transaction_type": "payment", "amount": total(o), "payment_method_id": u["card"]},
               {"transaction_type": "refund", "amount": total(o), "payment_method_id": u["card"]},
               {"transaction_type": "payment", "amount": total(o),
                "payment_method_id": u["gift"]}]))
    c.say("assistant", "Done: the gift card pays it now, and your card is refunded.")
    return c


def conversations():
    out = []
    for trial in (1, 2):
        out += [cancel(1, trial, "#W2378156"), cancel(2, trial, "#W6390527"),
                delivered(3, trial, "#W4817420"), browse(4, trial, "ana_brown_2254"),
                new_address(5, trial, "#W6390527"),
                return_items(6, trial, "#W7315524", ["MUG-CER-12", "MUG-CER-12"]),
                swap(7, trial, "#W2378156", ["MUG-CER-12", "MUG-CER-12"],
                     ["MUG-CER-16", "MUG-CER-16"], "modify_pending_order_items",
                     "I'd rather have the two mugs in 16 oz."),
                swap(8, trial, "#W7315524", ["LAMP-DESK-BLK"], ["LAMP-DESK-WHT"],
                     "exchange_delivered_order_items",
                     "the black lamp doesn't fit the room; can I exchange it for the white one?"),
                pay_with_gift_card(9, trial, "#W2378156")]
    return [c.dump() for c in out]


def world():
    lines = ["# Written by scenarios/generate/retail_support.py: the retail-support worked",
             "# example's world (docs/worked-examples.md). Each order belongs to the user its",
             "# conversations name in user_id.", "currency: usd", "skus:"]
    for sku, name, p in PRODUCTS:
        lines.append(f"  - {{id: {sku}, name: \"{name}\", price_cents: {round(p * 100)}, "
                     f"stock: 1000}}")
    lines.append("orders:")
    for oid, user, status, items in ORDERS:
        its = ", ".join(f"{{sku: {s}, quantity: {q}}}" for s, q in items)
        lines.append(f"  - {{reference: \"{oid}\", user: {user}, status: {status}, "
                     f"items: [{its}], paid_cents: {round(total(order(oid)) * 100)}}}")
    lines.append("stored_value:")
    for user, u in USERS.items():
        if "gift" in u:
            lines.append(f"  - {{id: {u['gift']}, user: {user}, balance_cents: {GIFT_BALANCE * 100}}}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open("scenarios/worlds/retail-support.yaml", "w") as f:
        f.write(world())
    with open("scenarios/transcripts/retail-support.json", "w") as f:
        json.dump(conversations(), f, indent=1)
        f.write("\n")
