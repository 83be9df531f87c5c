"""The demo's geography: NHS England regions, systems and places (from the seed documents).

Each place lists the organisations on its board, by name (see ``organisations.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

# The four NHS England regions of 2017, as (code, name).
REGIONS: tuple[tuple[str, str], ...] = (
    ("north", "North"),
    ("midlands-east", "Midlands and East"),
    ("south", "South"),
    ("london", "London"),
)

# (region code, name, kind)
SYSTEMS: tuple[tuple[str, str, str], ...] = (
    ("north", "Lancashire and South Cumbria ICS", "ics"),
    ("north", "Cheshire and Merseyside", "ics"),
    ("north", "Greater Manchester", "ics"),
    ("north", "North Cumbria", "ics"),
    ("north", "West Yorkshire", "ics"),
    ("midlands-east", "Nottingham and Nottinghamshire", "ics"),
    ("midlands-east", "Hertfordshire and West Essex STP", "stp"),
    ("midlands-east", "Herefordshire and Worcestershire STP", "stp"),
    ("south", "Frimley Health and Care ICS", "ics"),
    ("south", "Surrey Heartlands ICS", "ics"),
    ("south", "Kent and Medway STP", "stp"),
    ("south", "Cornwall and the Isles of Scilly STP", "stp"),
    ("london", "North West London STP", "stp"),
    ("london", "North Central London STP", "stp"),
    ("london", "East London Health and Care Partnership", "stp"),
)


class PlaceSpec(NamedTuple):
    slug: str
    name: str
    region: str  # region code
    system: str | None  # system name
    organisations: tuple[str, ...]
    description: str
    board_name: str = ""  # a partnership board; without one, the place's A&E Delivery Board
    onboarding_status: str = "active"

    @property
    def board(self) -> str:
        return self.board_name or f"{self.name} A&E Delivery Board"

    @property
    def board_established_on(self) -> dt.date:
        # A&E Delivery Boards date from autumn 2016; the partnership boards are older.
        return dt.date(2015, 4, 1) if self.board_name else dt.date(2016, 9, 1)


_PARTNERSHIP = "Health and Care Partnership Board"

PLACES: tuple[PlaceSpec, ...] = (
    # National A&E Improvement Programme
    PlaceSpec(
        "central-lancashire", "Central Lancashire", "north", "Lancashire and South Cumbria ICS",
        ("Lancashire Teaching Hospitals NHS Foundation Trust", "NHS Greater Preston CCG",
         "NHS Chorley and South Ribble CCG", "Lancashire County Council",
         "Lancashire Care NHS Foundation Trust", "North West Ambulance Service NHS Trust",
         "Chorley and South Ribble GP Federation", "Age UK Lancashire", "Healthwatch Lancashire",
         "Lancashire Fire and Rescue Service"),
        "Preston, Chorley and South Ribble, served by Lancashire Teaching Hospitals.",
    ),
    PlaceSpec(
        "north-merseyside", "North Merseyside", "north", "Cheshire and Merseyside",
        ("Aintree University Hospital NHS Foundation Trust", "NHS Liverpool CCG",
         "Liverpool City Council", "Southport and Ormskirk Hospital NHS Trust",
         "Liverpool Community Health NHS Trust", "Mersey Care NHS Foundation Trust",
         "NHS South Sefton CCG", "Sefton Council", "North West Ambulance Service NHS Trust",
         "Sefton CVS", "Healthwatch Sefton"),
        "North Liverpool and Sefton: two acute sites, two councils and the CCGs that serve them.",
    ),
    PlaceSpec(
        "west-hertfordshire", "West Hertfordshire", "midlands-east",
        "Hertfordshire and West Essex STP",
        ("West Hertfordshire Hospitals NHS Trust", "NHS Herts Valleys CCG",
         "Hertfordshire County Council", "Hertfordshire Community NHS Trust",
         "Hertfordshire Partnership University NHS Foundation Trust",
         "East of England Ambulance Service NHS Trust", "West Herts GP Federation",
         "Age UK Hertfordshire", "Healthwatch Hertfordshire"),
        "Watford, Hemel Hempstead and St Albans.",
    ),
    PlaceSpec(
        "north-east-hertfordshire", "North & East Hertfordshire", "midlands-east",
        "Hertfordshire and West Essex STP",
        ("East and North Hertfordshire NHS Trust", "NHS East and North Hertfordshire CCG",
         "Hertfordshire County Council", "Hertfordshire Community NHS Trust",
         "Hertfordshire Partnership University NHS Foundation Trust",
         "East of England Ambulance Service NHS Trust", "East and North Herts GP Federation",
         "Carers in Hertfordshire", "Healthwatch Hertfordshire"),
        "Stevenage, Welwyn Hatfield and the towns of east Hertfordshire.",
    ),
    PlaceSpec(
        "nottingham", "Nottingham", "midlands-east", "Nottingham and Nottinghamshire",
        ("Nottingham University Hospitals NHS Trust", "NHS Nottingham City CCG",
         "Nottingham City Council", "Nottingham CityCare Partnership",
         "Nottinghamshire Healthcare NHS Foundation Trust",
         "East Midlands Ambulance Service NHS Trust", "Nottingham City GP Alliance",
         "Nottingham CVS", "Healthwatch Nottingham and Nottinghamshire"),
        "The programme's pilot site: the city of Nottingham and its A&E Delivery Board.",
    ),
    PlaceSpec(
        "east-kent", "East Kent", "south", "Kent and Medway STP",
        ("East Kent Hospitals University NHS Foundation Trust", "NHS Canterbury and Coastal CCG",
         "Kent County Council", "Kent Community Health NHS Foundation Trust",
         "Kent and Medway NHS and Social Care Partnership Trust",
         "South East Coast Ambulance Service NHS Foundation Trust", "NHS South Kent Coast CCG",
         "Age UK Canterbury", "Kent Integrated Care Alliance", "Kent Fire and Rescue Service"),
        "Canterbury, Thanet, Ashford and the south Kent coast: three acute sites.",
    ),
    PlaceSpec(
        "cornwall", "Cornwall", "south", "Cornwall and the Isles of Scilly STP",
        ("Royal Cornwall Hospitals NHS Trust", "NHS Kernow CCG", "Cornwall Council",
         "Cornwall Partnership NHS Foundation Trust",
         "South Western Ambulance Service NHS Foundation Trust", "Kernow Health CIC",
         "Volunteer Cornwall", "Healthwatch Cornwall"),
        "Cornwall and the Isles of Scilly: one acute trust, a long peninsula and dispersed towns.",
    ),
    PlaceSpec(
        "imperial", "Imperial", "london", "North West London STP",
        ("Imperial College Healthcare NHS Trust", "NHS Central London CCG",
         "Westminster City Council", "Central London Community Healthcare NHS Trust",
         "Central and North West London NHS Foundation Trust", "NHS West London CCG",
         "London Ambulance Service NHS Trust", "London Borough of Hammersmith and Fulham",
         "Healthwatch Central West London"),
        "St Mary's, Charing Cross and Hammersmith hospitals and the boroughs they serve.",
    ),
    PlaceSpec(
        "barnet-enfield", "Barnet & Enfield", "london", "North Central London STP",
        ("Royal Free London NHS Foundation Trust", "NHS Barnet CCG", "London Borough of Barnet",
         "North Middlesex University Hospital NHS Trust", "NHS Enfield CCG",
         "London Borough of Enfield", "Barnet, Enfield and Haringey Mental Health NHS Trust",
         "Central London Community Healthcare NHS Trust", "London Ambulance Service NHS Trust",
         "Age UK Barnet", "Enfield Voluntary Action"),
        "Two boroughs, two acute sites: Barnet Hospital and North Middlesex.",
    ),
    # Integrated Care Pioneers
    PlaceSpec(
        "islington", "Islington", "london", "North Central London STP",
        ("Whittington Health NHS Trust", "NHS Islington CCG", "Islington Council",
         "Camden and Islington NHS Foundation Trust",
         "University College London Hospitals NHS Foundation Trust", "Islington GP Federation",
         "London Ambulance Service NHS Trust", "Voluntary Action Islington",
         "Healthwatch Islington"),
        "Integrated Care Pioneer: new models of care around primary care, tested borough-wide.",
        board_name=f"Islington {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "worcestershire", "Worcestershire", "midlands-east",
        "Herefordshire and Worcestershire STP",
        ("Worcestershire Acute Hospitals NHS Trust", "NHS South Worcestershire CCG",
         "Worcestershire County Council", "Worcestershire Health and Care NHS Trust",
         "West Midlands Ambulance Service NHS Foundation Trust",
         "Age UK Herefordshire and Worcestershire", "Healthwatch Worcestershire"),
        "Integrated Care Pioneer: the Well Connected integration programme.",
        board_name=f"Worcestershire {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "cheshire", "Cheshire", "north", "Cheshire and Merseyside",
        ("Countess of Chester Hospital NHS Foundation Trust", "NHS West Cheshire CCG",
         "Cheshire West and Chester Council", "Mid Cheshire Hospitals NHS Foundation Trust",
         "Cheshire and Wirral Partnership NHS Foundation Trust", "NHS Eastern Cheshire CCG",
         "Cheshire East Council", "East Cheshire NHS Trust",
         "North West Ambulance Service NHS Trust", "Cheshire Community Action"),
        "Integrated Care Pioneer: Connecting Care across two councils and four CCGs.",
        board_name=f"Cheshire {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "welc", "WELC (Waltham Forest and East London)", "london",
        "East London Health and Care Partnership",
        ("Barts Health NHS Trust", "NHS Waltham Forest CCG", "London Borough of Waltham Forest",
         "East London NHS Foundation Trust", "Homerton University Hospital NHS Foundation Trust",
         "NHS Tower Hamlets CCG", "London Borough of Tower Hamlets", "London Borough of Newham",
         "Tower Hamlets GP Care Group", "London Ambulance Service NHS Trust", "Community Links"),
        "Integrated Care Pioneer: the WELC Care Collaborative of Waltham Forest, Tower Hamlets "
        "and Newham.",
        board_name=f"WELC {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "leeds", "Leeds", "north", "West Yorkshire",
        ("Leeds Teaching Hospitals NHS Trust", "NHS Leeds CCG", "Leeds City Council",
         "Leeds Community Healthcare NHS Trust", "Leeds and York Partnership NHS Foundation Trust",
         "Yorkshire Ambulance Service NHS Trust", "Leeds GP Confederation", "Forum Central",
         "Healthwatch Leeds"),
        "Integrated Care Pioneer: integrated neighbourhood teams across the city.",
        board_name=f"Leeds {_PARTNERSHIP}",
    ),
    # The other nine Integrated Care Pioneers (issue 17, point 8): all 14 are in the demo.
    PlaceSpec(
        "barnsley", "Barnsley", "north", None,
        ("Barnsley Hospital NHS Foundation Trust", "NHS Barnsley CCG",
         "Barnsley Metropolitan Borough Council",
         "South West Yorkshire Partnership NHS Foundation Trust",
         "Yorkshire Ambulance Service NHS Trust", "Barnsley Healthcare Federation",
         "Healthwatch Barnsley"),
        "Integrated Care Pioneer: one council, one CCG and one hospital, coterminous.",
        board_name=f"Barnsley {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "cornwall-isles-of-scilly", "Cornwall and the Isles of Scilly", "south",
        "Cornwall and the Isles of Scilly STP",
        ("Royal Cornwall Hospitals NHS Trust", "NHS Kernow CCG", "Cornwall Council",
         "Cornwall Partnership NHS Foundation Trust",
         "South Western Ambulance Service NHS Foundation Trust", "Volunteer Cornwall",
         "Healthwatch Cornwall",
         "Cornwall and Isles of Scilly Health and Social Care Partnership"),
        "Integrated Care Pioneer: Living Well, with the voluntary sector at its heart.",
        board_name=f"Cornwall and the Isles of Scilly {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "greenwich", "Greenwich", "london", None,
        ("Lewisham and Greenwich NHS Trust", "NHS Greenwich CCG", "Royal Borough of Greenwich",
         "Oxleas NHS Foundation Trust", "London Ambulance Service NHS Trust", "Greenwich Health",
         "Healthwatch Greenwich"),
        "Integrated Care Pioneer: integrated care for older people across the borough.",
        board_name=f"Greenwich {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "kent", "Kent", "south", "Kent and Medway STP",
        ("Maidstone and Tunbridge Wells NHS Trust", "NHS West Kent CCG", "Kent County Council",
         "Kent Community Health NHS Foundation Trust",
         "Kent and Medway NHS and Social Care Partnership Trust",
         "South East Coast Ambulance Service NHS Foundation Trust", "Healthwatch Kent"),
        "Integrated Care Pioneer: a county-wide programme across seven CCGs and one council.",
        board_name=f"Kent {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "north-west-london", "North West London", "london", "North West London STP",
        ("London North West University Healthcare NHS Trust", "NHS Brent CCG",
         "London Borough of Brent", "Central and North West London NHS Foundation Trust",
         "Imperial College Healthcare NHS Trust", "London Ambulance Service NHS Trust",
         "Healthwatch Brent"),
        "Integrated Care Pioneer: whole systems integrated care across eight boroughs.",
        board_name=f"North West London {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "south-devon-torbay", "South Devon and Torbay", "south", None,
        ("Torbay and South Devon NHS Foundation Trust", "NHS South Devon and Torbay CCG",
         "Torbay Council", "Devon County Council", "Devon Partnership NHS Trust",
         "South Western Ambulance Service NHS Foundation Trust", "Healthwatch Torbay"),
        "Integrated Care Pioneer: an integrated care organisation for acute and community care.",
        board_name=f"South Devon and Torbay {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "southend", "Southend", "midlands-east", None,
        ("Southend University Hospital NHS Foundation Trust", "NHS Southend CCG",
         "Southend-on-Sea Borough Council",
         "Essex Partnership University NHS Foundation Trust",
         "East of England Ambulance Service NHS Trust",
         "Southend Association of Voluntary Services", "Healthwatch Southend"),
        "Integrated Care Pioneer: a single point of access and locality teams.",
        board_name=f"Southend {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "staffordshire", "Staffordshire", "midlands-east", None,
        ("University Hospitals of North Midlands NHS Trust", "NHS North Staffordshire CCG",
         "Staffordshire County Council", "Staffordshire and Stoke-on-Trent Partnership NHS Trust",
         "North Staffordshire Combined Healthcare NHS Trust",
         "West Midlands Ambulance Service NHS Foundation Trust", "Healthwatch Staffordshire"),
        "Integrated Care Pioneer: outcome-based commissioning across health and social care.",
        board_name=f"Staffordshire {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "wiltshire", "Wiltshire", "south", None,
        ("Salisbury NHS Foundation Trust", "Great Western Hospitals NHS Foundation Trust",
         "NHS Wiltshire CCG", "Wiltshire Council",
         "Avon and Wiltshire Mental Health Partnership NHS Trust",
         "South Western Ambulance Service NHS Foundation Trust", "Healthwatch Wiltshire"),
        "Integrated Care Pioneer: integrated community teams around general practice.",
        board_name=f"Wiltshire {_PARTNERSHIP}",
    ),
    # System leadership development — 23 areas
    PlaceSpec(
        "frimley", "Frimley", "south", "Frimley Health and Care ICS",
        ("Frimley Health NHS Foundation Trust", "NHS Surrey Heath CCG", "Surrey County Council",
         "Berkshire Healthcare NHS Foundation Trust",
         "Surrey and Borders Partnership NHS Foundation Trust", "Bracknell Forest Council",
         "South Central Ambulance Service NHS Foundation Trust", "Healthwatch Surrey",
         "Surrey Police"),
        "Frimley Health and Care: home of the Frimley Health and Care 2020 leadership programme.",
        board_name=f"Frimley {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "surrey-heartlands", "Surrey Heartlands", "south", "Surrey Heartlands ICS",
        ("Royal Surrey County Hospital NHS Foundation Trust", "NHS Guildford and Waverley CCG",
         "Surrey County Council", "Central Surrey Health",
         "Surrey and Borders Partnership NHS Foundation Trust",
         "Ashford and St Peter's Hospitals NHS Foundation Trust",
         "Surrey and Sussex Healthcare NHS Trust",
         "South East Coast Ambulance Service NHS Foundation Trust", "Healthwatch Surrey",
         "Surrey Police"),
        "Surrey Heartlands: the Surrey Heartlands Academy and the 'Surrey 500'.",
        board_name=f"Surrey Heartlands {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "fylde-coast", "Fylde Coast", "north", "Lancashire and South Cumbria ICS",
        ("Blackpool Teaching Hospitals NHS Foundation Trust", "NHS Blackpool CCG",
         "Blackpool Council", "Lancashire Care NHS Foundation Trust", "NHS Fylde and Wyre CCG",
         "Lancashire County Council", "North West Ambulance Service NHS Trust",
         "Healthwatch Blackpool"),
        "Blackpool, Fylde and Wyre: the Fylde Coast 100 Systems Leader Programme.",
        board_name=f"Fylde Coast {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "north-cumbria", "North Cumbria", "north", "North Cumbria",
        ("North Cumbria University Hospitals NHS Trust", "NHS Cumbria CCG",
         "Cumbria County Council", "Cumbria Partnership NHS Foundation Trust",
         "North West Ambulance Service NHS Trust", "Cumbria CVS",
         "Cumbria Care Providers Network"),
        "North Cumbria Health and Care: a leadership model that includes the voluntary sector "
        "and care home providers.",
        board_name=f"North Cumbria {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "greater-manchester", "Greater Manchester", "north", "Greater Manchester",
        ("Manchester University NHS Foundation Trust", "NHS Manchester CCG",
         "Manchester City Council", "Greater Manchester Mental Health NHS Foundation Trust",
         "Salford Royal NHS Foundation Trust", "Salford City Council",
         "North West Ambulance Service NHS Trust", "Macc",
         "Greater Manchester Fire and Rescue Service"),
        "Leading Greater Manchester: a community of capable leaders across health and care.",
        board_name=f"Greater Manchester {_PARTNERSHIP}",
    ),
    PlaceSpec(
        "cheshire-merseyside", "Cheshire Merseyside", "north", "Cheshire and Merseyside",
        ("Warrington and Halton Teaching Hospitals NHS Foundation Trust",
         "NHS Cheshire and Merseyside ICB", "Warrington Borough Council",
         "St Helens and Knowsley Teaching Hospitals NHS Trust",
         "Mersey Care NHS Foundation Trust",
         "Cheshire and Wirral Partnership NHS Foundation Trust", "St Helens Council",
         "North West Ambulance Service NHS Trust"),
        "Cheshire Merseyside: preparing to launch a system leadership academy.",
        board_name=f"Cheshire Merseyside {_PARTNERSHIP}",
        onboarding_status="onboarding",
    ),
)
