"""The demo catalogue `shopgraph-products seed` puts in place (by SKU, idempotently)."""

from typing import Any

DEMO_PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "MUG-001",
        "name": "Enamel Camp Mug",
        "price": 1499,
        "stock": 120,
        "description": "A 350 ml enamel mug that survives campfires and dishwashers.",
    },
    {
        "sku": "TEE-BLK-M",
        "name": "Graph Tee, black, M",
        "price": 2500,
        "stock": 40,
        "description": "Organic cotton T-shirt with a small federated-graph print.",
    },
    {
        "sku": "TEE-WHT-L",
        "name": "Graph Tee, white, L",
        "price": 2500,
        "stock": 35,
        "description": "Organic cotton T-shirt with a small federated-graph print.",
    },
    {
        "sku": "HOOD-GRY-M",
        "name": "Resolver Hoodie",
        "price": 5900,
        "stock": 18,
        "description": "Heavyweight grey hoodie with a kangaroo pocket.",
    },
    {
        "sku": "CAP-NVY",
        "name": "Schema Cap",
        "price": 1999,
        "stock": 60,
        "description": "Navy six-panel cap, adjustable strap.",
    },
    {
        "sku": "BTL-750",
        "name": "Steel Water Bottle 750 ml",
        "price": 2799,
        "stock": 75,
        "description": "Double-walled, keeps drinks cold for 24 hours.",
    },
    {
        "sku": "NB-A5-DOT",
        "name": "Dotted Notebook A5",
        "price": 1250,
        "stock": 200,
        "description": "160 pages of 100 g/m2 paper, lies flat.",
    },
    {
        "sku": "PEN-GEL-3",
        "name": "Gel Pen, pack of 3",
        "price": 650,
        "stock": 300,
        "description": "Black, blue and red 0.5 mm gel pens.",
    },
    {
        "sku": "STK-PACK",
        "name": "Sticker Pack",
        "price": 500,
        "stock": 500,
        "description": "Twelve vinyl stickers for laptops and bottles.",
    },
    {
        "sku": "TOTE-NAT",
        "name": "Canvas Tote Bag",
        "price": 1800,
        "stock": 90,
        "description": "Natural canvas tote with long handles.",
    },
    {
        "sku": "SOCK-RNB",
        "name": "Rainbow Socks",
        "price": 1200,
        "stock": 0,
        "description": "Striped cotton socks. Sold out until the next batch.",
    },
    {
        "sku": "DESK-MAT",
        "name": "Desk Mat XL",
        "price": 3400,
        "stock": 25,
        "description": "90 x 40 cm felt desk mat with a non-slip base.",
    },
]
