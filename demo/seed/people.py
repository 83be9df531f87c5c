"""The demo's people, all fictional: enablers, demo users, and the names board members draw from.

The name lists deliberately leave out every real name in the seed documents (``SEED_REAL_NAMES``);
a test checks that no demo person or user carries one.
"""

from __future__ import annotations

from typing import NamedTuple

from fieldbook.roles import Role

DEMO_PASSWORD = "fieldbook-demo"
DEMO_ENABLER = "enabler"


class EnablerSpec(NamedTuple):
    username: str
    first_name: str
    last_name: str
    background: str
    regions: tuple[str, ...]
    capacity: str


ENABLERS: tuple[EnablerSpec, ...] = (
    EnablerSpec(DEMO_ENABLER, "Jo", "Pennington",
                "Former acute trust chief operating officer.", ("north",), "2.5"),
    EnablerSpec("e.helen.ashworth", "Helen", "Ashworth",
                "Former director of adult social services.", ("north",), "2.0"),
    EnablerSpec("e.tom.okafor", "Tom", "Okafor",
                "Former CCG accountable officer.", ("midlands-east",), "3.0"),
    EnablerSpec("e.priya.raman", "Priya", "Raman",
                "Former regional director of operations, NHS England.", ("midlands-east",), "2.0"),
    EnablerSpec("e.gareth.llewellyn", "Gareth", "Llewellyn",
                "Former ambulance trust director of operations.", ("south",), "2.0"),
    EnablerSpec("e.joanne.whitfield", "Joanne", "Whitfield",
                "Former community trust chief executive.", ("south",), "1.5"),
    EnablerSpec("e.david.pryce", "David", "Pryce",
                "Former local authority chief executive.", ("london",), "2.0"),
    EnablerSpec("e.ruth.carmichael", "Ruth", "Carmichael",
                "Former acute trust director of nursing.", ("london",), "1.5"),
    EnablerSpec("e.sanjay.mistry", "Sanjay", "Mistry",
                "Former GP and CCG clinical chair.", ("north",), "2.0"),
    EnablerSpec("e.catherine.doyle", "Catherine", "Doyle",
                "Former mental health trust chief executive.", ("north",), "1.0"),
    EnablerSpec("e.neil.fairbairn", "Neil", "Fairbairn",
                "Former acute trust medical director.", ("london", "south"), "1.5"),
    EnablerSpec("e.bronwen.hughes", "Bronwen", "Hughes",
                "Former chief officer of a county voluntary sector infrastructure body.",
                ("south", "midlands-east"), "1.0"),
)

# (username, first name, last name, role, is_staff). The admin is staff (the Django admin opens
# for reference data) but never a superuser.
OTHER_USERS: tuple[tuple[str, str, str, Role, bool], ...] = (
    ("lead", "Nadia", "Kowalski", Role.LEAD, False),
    ("admin", "Owen", "Hartley", Role.ADMIN, True),
    ("dpo", "Dana", "Whitfield", Role.DPO, False),
)

# Real people named in the seed documents. No demo person or user may carry these names.
SEED_REAL_NAMES: tuple[str, ...] = (
    "Mark Dalton", "Richard Vize", "Simon Stevens", "Dom Hardy", "Fiona Edwards",
    "Clare Henderson", "Frances Martin",
)

FIRST_NAMES: tuple[str, ...] = (
    "Adele", "Alison", "Amir", "Andrew", "Angela", "Beth", "Bernard", "Callum", "Carys", "Chris",
    "Colin", "Daniel", "Deborah", "Diane", "Eleanor", "Emma", "Farah", "Gemma", "Graham",
    "Hannah", "Harriet", "Ian", "Imran", "Jack", "James", "Janet", "Jasmine", "Julie", "Karen",
    "Keith", "Kirsty", "Laura", "Lewis", "Liam", "Lisa", "Lucy", "Martyn", "Megan", "Mohammed",
    "Nasreen", "Nicola", "Oliver", "Patrick", "Paula", "Rebecca", "Rhys", "Rob", "Rosie",
    "Samina", "Sean", "Shona", "Sophie", "Stephen", "Susan", "Tariq", "Vanessa", "Victoria",
    "Wendy", "Yusuf", "Zoe",
)

SURNAMES: tuple[str, ...] = (
    "Abbott", "Akhtar", "Armstrong", "Bailey", "Barker", "Bennett", "Bhatt", "Booth", "Bradley",
    "Campbell", "Chadwick", "Chowdhury", "Clarke", "Coleman", "Cooper", "Crawford", "Dawson",
    "Dixon", "Doherty", "Dunne", "Ellis", "Farrell", "Fitzgerald", "Fletcher", "Fraser",
    "Gallagher", "Gill", "Gordon", "Hall", "Harrison", "Hussain", "Iqbal", "Jenkins", "Kaur",
    "Kelly", "Kennedy", "Lawson", "Lloyd", "Lowe", "Lynch", "Macdonald", "Malik", "Marsh",
    "McCarthy", "Moss", "Murphy", "Nash", "Nolan", "Norris", "O'Brien", "Owen", "Palmer",
    "Parry", "Patel", "Pearson", "Quinn", "Rahman", "Reid", "Riley", "Robertson", "Rowe", "Shah",
    "Sharma", "Shaw", "Singh", "Slater", "Stewart", "Sutton", "Taylor", "Thornton", "Tucker",
    "Turner", "Wade", "Walsh", "Ward", "Watson", "Webb", "Whelan", "Wilkinson", "Yates", "Young",
)

# Board seats in priority order: (organisation kind, role title, organisation name must contain).
# The first four are the core of any delivery board; the rest are shuffled per place.
CORE_SEATS = 4
BOARD_SEATS: tuple[tuple[str, str, str], ...] = (
    ("acute_trust", "Chief Executive", ""),
    ("commissioner", "Accountable Officer", ""),
    ("local_authority", "Director of Adult Social Care", ""),
    ("acute_trust", "Chief Operating Officer", ""),
    ("community_trust", "Director of Operations", ""),
    ("mental_health_trust", "Director of Operations", ""),
    ("commissioner", "Clinical Chair", ""),
    ("ambulance_trust", "Head of Operations", ""),
    ("primary_care", "GP Federation Clinical Lead", ""),
    ("voluntary", "Healthwatch Manager", "Healthwatch"),
    ("voluntary", "Chief Officer", ""),
    ("acute_trust", "Director of Nursing", ""),
    ("acute_trust", "Operations Manager", ""),
    ("local_authority", "Director of Public Health", ""),
    ("independent", "Chair", ""),
    ("other_public", "Area Manager", ""),
)
CHAIR_ROLES = frozenset({"Chief Executive", "Accountable Officer", "Clinical Chair"})
