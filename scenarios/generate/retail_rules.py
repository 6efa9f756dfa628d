#!/usr/bin/env python3
"""Writes the retail-support worked example's second world, the shop stating its own rules,
and the conversations that meet them:

  scenarios/worlds/retail-rules.yaml         the same products, its sales tax, orders in more
                                             of their life cycle (processed, cancelled, paid
                                             in part by a gift card, delivered on a date),
                                             each user's cards and wallet, and the shop's
                                             rules
  scenarios/transcripts/retail-rules.json    OpenAI message arrays, one per conversation

Import and replay them with:

  checkride record import scenarios/transcripts/retail-rules.json --from openai \
      --actions scenarios/catalogs/retail-support.yaml --session-id-field task_id,trial \
      --user-id-field user_id --out scenarios/cassettes/retail-rules.jsonl
  checkride replay scenarios/cassettes/retail-rules.jsonl --world scenarios/worlds/retail-rules.yaml

Run from the repository root; the output is deterministic.
"""
import json

import conversation
from retail_support import PRODUCTS, SYSTEM, USERS, price

WALLET = "paypal_5544"  # Yusuf's, which paid for nothing below
ORDERS = [  # id, user, status, [(sku, qty)], paid from the gift card (dollars), delivered_at
    ("#W2378156", "yusuf_rossi_9620", "pending", [("KBD-MECH-BRN", 1), ("MUG-CER-12", 2)], 50,
     None),
    ("#W5100231", "yusuf_rossi_9620", "pending", [("MUG-CER-12", 2)], 0, None),
    ("#W4817420", "yusuf_rossi_9620", "delivered", [("LAMP-DESK-BLK", 1)], 0,
     "2026-11-28T15:00:00Z"),
    ("#W6390527", "ana_brown_2254", "processed", [("BAG-HIKE-30", 1)], 0, None),
    ("#W6390611", "ana_brown_2254", "cancelled", [("LAMP-DESK-WHT", 1)], 0, None),
    ("#W7315524", "lena_park_7731", "delivered", [("MUG-CER-12", 3), ("LAMP-DESK-BLK", 1)], 0,
     "2026-10-30T15:00:00Z"),
]
TAX_PPM = 82500  # the shop's 8.25% sales tax on its items (taxes: in the world)
NOW = "2026-12-09T10:00:00Z"  # when the conversations start: Lena's order came 40 days ago
RULES = """order_rules:
  statuses:
    pending: [cancel, modify_items, change_details, change_payment]
    "pending (item modified)": [cancel, change_details, change_payment]
    processed: []
    delivered: [return, exchange]
    cancelled: []
    "return requested": []
    "exchange requested": []
  after: {modify_items: "pending (item modified)", return: "return requested",
          exchange: "exchange requested"}
  cancel_reasons: [no longer needed, ordered by mistake]
  exchange_within_product: true
  within: {return: 30d, exchange: 30d}
refunds: {order: stored_value_first, to: own_gift_card}
"""


def order(oid):
    return next(o for o in ORDERS if o[0] == oid)


def tax(cents):
    """The sales tax on `cents`, rounded to the cent with halves away from zero, as checkride
    rounds it (negative: owed back)."""
    n = abs(cents) * TAX_PPM
    return (1 if cents >= 0 else -1) * ((n + 500000) // 1000000)


def with_tax(cents):
    """`cents` of items and their tax, in dollars."""
    return round((cents + tax(cents)) / 100, 2)


def total(o):
    """What the order was paid: its items and their tax."""
    return with_tax(sum(round(price(s) * 100) * q for s, q in o[3]))


def history(o):
    """What paid for the order: its gift card part, then the card for the rest."""
    u = USERS[o[1]]
    paid = [{"transaction_type": "payment", "amount": o[4], "payment_method_id": u["gift"]}] \
        if o[4] else []
    return paid + [{"transaction_type": "payment", "amount": round(total(o) - o[4], 2),
                    "payment_method_id": u["card"]}]


def details(oid, **changes):
    o = order(oid)
    d = {"order_id": oid, "user_id": o[1], "status": o[2],
         "items": [{"item_id": s, "price": price(s), "quantity": q} for s, q in o[3]],
         "payment_history": history(o)}
    d.update(changes)
    return d


def start(task, trial, oid, ask):
    o = order(oid)
    c = conversation.Conversation(task, trial, o[1], SYSTEM)
    c.say("user", f"Hi, I'm {USERS[o[1]]['email']}. {ask}")
    c.call("find_user_id_by_email", {"email": USERS[o[1]]["email"]}, o[1])
    c.call("get_order_details", {"order_id": oid}, details(oid))
    return c, o


def cancel_split_paid(task, trial):
    """$50 of the $157.50 came from the gift card: the cancel gives each part back."""
    c, o = start(task, trial, "#W2378156", "Please cancel #W2378156, I no longer need it.")
    u = USERS[o[1]]
    c.say("assistant", f"Cancelling #W2378156 refunds $50.00 to {u['gift']} and "
                       f"${total(o) - 50:.2f} to {u['card']}. Confirm?")
    c.say("user", "Yes, cancel it.")
    refunds = [dict(p, transaction_type="refund") for p in history(o)]
    c.call("cancel_pending_order", {"order_id": "#W2378156", "reason": "no longer needed"},
           details("#W2378156", status="cancelled", payment_history=history(o) + refunds))
    c.say("assistant", "Cancelled; both refunds are on their way.")
    return c


def modify_twice(task, trial):
    """The mugs go up a size, then the user changes their mind: items change once."""
    c, o = start(task, trial, "#W5100231", "I'd like the two mugs of #W5100231 in 16 oz.")
    card = USERS[o[1]]["card"]
    more = with_tax(400)  # two mugs $2.00 dearer each, and the tax on it
    c.say("assistant", f"Swapping both mugs to 16 oz costs ${more:.2f} more with tax, charged "
                       f"to {card}. Confirm?")
    c.say("user", "Yes.")
    args = {"order_id": "#W5100231", "item_ids": ["MUG-CER-12", "MUG-CER-12"],
            "new_item_ids": ["MUG-CER-16", "MUG-CER-16"], "payment_method_id": card}
    c.call("modify_pending_order_items", args,
           details("#W5100231", status="pending (item modified)", payment_history=history(o) + [
               {"transaction_type": "payment", "amount": more, "payment_method_id": card}]))
    c.say("user", "Actually, back to 12 oz please.")
    c.say("assistant", f"Swapping back refunds ${more:.2f} to your card. Confirm?")
    c.say("user", "Yes.")
    back = dict(args, item_ids=args["new_item_ids"], new_item_ids=args["item_ids"])
    c.call("modify_pending_order_items", back,
           "Error: non-pending order cannot be modified")
    c.say("assistant", "Sorry: an order's items can be modified only once.")
    return c


def cancel_processed(task, trial):
    c, o = start(task, trial, "#W6390527", "Please cancel #W6390527, ordered by mistake.")
    c.call("cancel_pending_order", {"order_id": "#W6390527", "reason": "ordered by mistake"},
           "Error: non-pending order cannot be cancelled")
    c.say("assistant", "That order is already being processed, so it can no longer be cancelled.")
    return c


def return_into_wallet(task, trial):
    """The lamp's refund asked into a wallet that did not pay for it: refused."""
    c, o = start(task, trial, "#W4817420", f"Return the lamp of #W4817420; refund it to "
                                           f"{WALLET}.")
    c.call("return_delivered_order_items",
           {"order_id": "#W4817420", "item_ids": ["LAMP-DESK-BLK"],
            "payment_method_id": WALLET},
           "Error: payment method should be either the original payment method or a gift card")
    c.say("assistant", "The refund can go only to the card that paid or to a gift card.")
    return c


def return_late(task, trial):
    """Delivered 40 days ago, past the shop's 30 days."""
    c, o = start(task, trial, "#W7315524", "Two of the mugs from #W7315524 are chipped; "
                                           "I'd like to return them.")
    c.call("return_delivered_order_items",
           {"order_id": "#W7315524", "item_ids": ["MUG-CER-12", "MUG-CER-12"],
            "payment_method_id": USERS[o[1]]["card"]},
           "Error: the return window for this order has closed")
    c.say("assistant", "Sorry, returns are accepted within 30 days of delivery.")
    return c


def exchange_in_time(task, trial):
    """Delivered 11 days ago, within the 30 days: the black lamp for the white one, the same
    product, $5.00 more and its tax by card."""
    c, o = start(task, trial, "#W4817420", "Can I exchange the black lamp of #W4817420 for "
                                           "the white one?")
    card = USERS[o[1]]["card"]
    more = with_tax(500)
    c.say("assistant", f"The white lamp is ${more:.2f} more with tax, charged to {card}. "
                       "Confirm?")
    c.say("user", "Yes.")
    c.call("exchange_delivered_order_items",
           {"order_id": "#W4817420", "item_ids": ["LAMP-DESK-BLK"],
            "new_item_ids": ["LAMP-DESK-WHT"], "payment_method_id": card},
           details("#W4817420", status="exchange requested", payment_history=history(o) + [
               {"transaction_type": "payment", "amount": more, "payment_method_id": card}]))
    c.say("assistant", "Done: the white lamp is on its way.")
    return c


def move_house(task, trial):
    """The user's own address, a write at the shop (the scenario loses its answer)."""
    user = "yusuf_rossi_9620"
    c = conversation.Conversation(task, trial, user, SYSTEM)
    c.say("user", f"Hi, I'm {USERS[user]['email']}. I moved to 12 Elm St, Austin, TX 78701, "
                  "USA; please update my address.")
    c.call("find_user_id_by_email", {"email": USERS[user]["email"]}, user)
    address = {"user_id": user, "address1": "12 Elm St", "address2": "", "city": "Austin",
               "state": "TX", "country": "USA", "zip": "78701"}
    c.say("assistant", "I'll set your address to 12 Elm St, Austin, TX 78701, USA. Confirm?")
    c.say("user", "Yes.")
    c.call("modify_user_address", address,
           {"user_id": user, "address": {k: v for k, v in address.items() if k != "user_id"}})
    c.say("assistant", "Done.")
    return c


def conversations():
    out = []
    for trial in (1, 2):
        out += [cancel_split_paid(1, trial), modify_twice(2, trial), cancel_processed(3, trial),
                return_into_wallet(4, trial), return_late(5, trial), move_house(6, trial),
                exchange_in_time(7, trial)]
    return [c.dump() for c in out]


def world():
    lines = ["# Written by scenarios/generate/retail_rules.py: the retail-support worked",
             "# example's shop stating its own rules (docs/worked-examples.md).",
             "currency: usd", f"now: \"{NOW}\"", "skus:"]
    for sku, name, p in PRODUCTS:
        product = sku.rsplit("-", 1)[0].lower()  # MUG-CER-12 and MUG-CER-16 are one product
        lines.append(f"  - {{id: {sku}, name: \"{name}\", price_cents: {round(p * 100)}, "
                     f"stock: 1000, product: {product}}}")
    lines.append("taxes:")
    lines.append(f"  - {{id: sales_tax, on: orders, rate: {TAX_PPM / 10000:g}%}}  # on the items")
    lines.append("orders:")
    for o in ORDERS:
        its = ", ".join(f"{{sku: {s}, quantity: {q}}}" for s, q in o[3])
        extra = f", paid_stored_value: [{{id: {USERS[o[1]]['gift']}, amount_cents: " \
                f"{o[4] * 100}}}]" if o[4] else ""
        extra += f", delivered_at: \"{o[5]}\"" if o[5] else ""
        lines.append(f"  - {{reference: \"{o[0]}\", user: {o[1]}, status: {o[2]}, "
                     f"items: [{its}], paid_cents: {round(total(o) * 100)}{extra}}}")
    lines.append("stored_value:")
    for user, u in USERS.items():
        if "gift" in u:
            lines.append(f"  - {{id: {u['gift']}, user: {user}, balance_cents: 30000}}")
    lines.append("payment_methods:")
    for user, u in USERS.items():
        lines.append(f"  - {{id: {u['card']}, user: {user}, kind: card, brand: visa}}")
    lines.append(f"  - {{id: {WALLET}, user: yusuf_rossi_9620, kind: wallet, brand: paypal}}")
    lines.append("profiles:")
    for user in USERS:
        lines.append(f"  - {{user: {user}, details: \"1 Old Rd, Springfield, IL, USA, 62701\"}}")
    return "\n".join(lines) + "\n" + RULES


if __name__ == "__main__":
    with open("scenarios/worlds/retail-rules.yaml", "w") as f:
        f.write(world())
    with open("scenarios/transcripts/retail-rules.json", "w") as f:
        json.dump(conversations(), f, indent=1)
        f.write("\n")
