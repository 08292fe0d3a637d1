"""Static vocabulary of the simulated customer site (an outdoor-gear shop with a blog, help
centre, customer account and an admin back office) and of its visitors' devices/locations."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Device, Location

ORG_ID = "o-1ACME7-na1"
ORG_NAME = "Acme Outfitters"
SITE = "https://www.acme-outfitters.com"
SITE_DOMAIN = "acme-outfitters.com"


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    price: float
    collection: str
    sku: str


PRODUCTS: tuple[Product, ...] = (
    Product("trailblazer-rain-jacket", "Trailblazer Rain Jacket", 129.0, "jackets", "AO-JK-1042"),
    Product("summit-down-parka", "Summit Down Parka", 249.0, "jackets", "AO-JK-1107"),
    Product("ridge-softshell-jacket", "Ridge Softshell Jacket", 99.0, "jackets", "AO-JK-1011"),
    Product("basecamp-fleece", "Basecamp Fleece", 69.0, "base-layers", "AO-BL-2030"),
    Product("thermal-merino-base-layer", "Thermal Merino Base Layer", 59.0, "base-layers", "AO-BL-2044"),
    Product("alpine-hiking-boots", "Alpine Hiking Boots", 179.0, "footwear", "AO-FW-3301"),
    Product("trail-running-shoes", "Trail Running Shoes", 139.0, "footwear", "AO-FW-3318"),
    Product("merino-crew-socks", "Merino Crew Socks (3-pack)", 18.0, "footwear", "AO-FW-3402"),
    Product("canyon-daypack-24l", "Canyon Daypack 24L", 89.0, "packs", "AO-PK-4120"),
    Product("storm-shell-pants", "Storm Shell Pants", 109.0, "jackets", "AO-JK-1150"),
)

COLLECTIONS: dict[str, str] = {
    "jackets": "Jackets & Shells",
    "base-layers": "Base Layers",
    "footwear": "Footwear",
    "packs": "Packs & Bags",
    "sale": "Spring Sale",
}

BLOG_POSTS: tuple[tuple[str, str], ...] = (
    ("how-to-layer-for-winter-hikes", "How to Layer for Winter Hikes"),
    ("choosing-the-right-rain-jacket", "Choosing the Right Rain Jacket"),
    ("10-day-hikes-near-denver", "10 Day Hikes Near Denver"),
    ("caring-for-down-insulation", "Caring for Down Insulation"),
    ("trail-running-for-beginners", "Trail Running for Beginners"),
)

SEARCH_TERMS: tuple[str, ...] = ("rain jacket", "hiking boots", "merino", "daypack", "parka", "socks")

FIRST_NAMES: tuple[str, ...] = (
    "Maria",
    "James",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Sophia",
    "Mason",
    "Isabella",
    "Ethan",
    "Mia",
    "Logan",
    "Charlotte",
    "Aiden",
    "Amelia",
    "Jacob",
    "Harper",
    "Elijah",
    "Evelyn",
    "Daniel",
    "Abigail",
    "Henry",
    "Emily",
    "Jack",
    "Ella",
    "Samuel",
    "Grace",
    "Owen",
    "Chloe",
    "Yuki",
    "Lena",
    "Mateo",
    "Priya",
    "Omar",
    "Sofia",
    "Hannah",
    "Tariq",
    "Ines",
)
LAST_NAMES: tuple[str, ...] = (
    "Garcia",
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Lee",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Nakamura",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Jansen",
    "Okafor",
    "Patel",
    "Kim",
    "Chen",
)

_UA_CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
DEVICES: tuple[Device, ...] = (
    Device("Chrome", "126.0.6478.127", "Windows", "Desktop", _UA_CHROME_WIN, (1920, 1080), (1903, 961)),
    Device(
        "Chrome",
        "126.0.6478.127",
        "Mac OS X",
        "Desktop",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        (1512, 982),
        (1512, 857),
    ),
    Device(
        "Safari",
        "17.5",
        "Mac OS X",
        "Desktop",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15",
        (1440, 900),
        (1440, 789),
    ),
    Device(
        "Firefox",
        "127.0",
        "Windows",
        "Desktop",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
        (1536, 864),
        (1519, 739),
    ),
    Device(
        "Edge",
        "126.0.2592.87",
        "Windows",
        "Desktop",
        _UA_CHROME_WIN + " Edg/126.0.2592.87",
        (1366, 768),
        (1349, 641),
    ),
    Device(
        "Mobile Safari",
        "17.5",
        "iOS",
        "Mobile",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        (390, 844),
        (390, 664),
    ),
    Device(
        "Chrome Mobile",
        "126.0.6478.122",
        "Android",
        "Mobile",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.6478.122 Mobile Safari/537.36",
        (412, 915),
        (412, 783),
    ),
    Device(
        "Mobile Safari",
        "17.5",
        "iOS",
        "Tablet",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        (820, 1180),
        (820, 1106),
    ),
)

# (country, region, city, lat/long, first two IP octets)
LOCATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("US", "CO", "Denver", "39.7392,-104.9903", "73.14"),
    ("US", "CA", "San Francisco", "37.7749,-122.4194", "98.207"),
    ("US", "NY", "New York", "40.7128,-74.0060", "68.174"),
    ("US", "WA", "Seattle", "47.6062,-122.3321", "24.16"),
    ("US", "TX", "Austin", "30.2672,-97.7431", "99.42"),
    ("CA", "ON", "Toronto", "43.6532,-79.3832", "142.114"),
    ("GB", "ENG", "London", "51.5072,-0.1276", "81.2"),
    ("DE", "BE", "Berlin", "52.5200,13.4050", "91.64"),
    ("FR", "IDF", "Paris", "48.8566,2.3522", "90.85"),
    ("NL", "NH", "Amsterdam", "52.3676,4.9041", "145.53"),
    ("JP", "13", "Tokyo", "35.6762,139.6503", "126.72"),
    ("AU", "NSW", "Sydney", "-33.8688,151.2093", "1.144"),
)
EU_COUNTRIES = frozenset({"GB", "DE", "FR", "NL"})


def location(index: int, last_octets: tuple[int, int]) -> Location:
    country, region, city, lat_long, prefix = LOCATIONS[index]
    return Location(country, region, city, lat_long, f"{prefix}.{last_octets[0]}.{last_octets[1]}")


# The consent-management platform's script and config, as a OneTrust-style CMP would load them.
CMP_SCRIPT = "https://cdn.cookielaw.org/scripttemplates/202405.1.0/otBannerSdk.js"
CMP_CONFIG = (
    "https://cdn.cookielaw.org/consent/0189e6c4-6f4a-7c33-9d55-acme00000001/0189e6c4-6f4a-7c33-9d55-acme00000001.json"
)
BANNER_TEXT = "We use cookies to give you the best shopping experience. Accept all | Reject all | Cookie settings"
