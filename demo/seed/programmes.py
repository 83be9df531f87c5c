"""The demo's programmes, each place's engagement in them, and the theme vocabulary.

Dates are "days ago", relative to the day the seed first runs, so the demo always looks current;
they are fixed when a row is created and never moved by a later run.
"""

from __future__ import annotations

from typing import NamedTuple

from demo.seed.people import DEMO_ENABLER


class ProgrammeSpec(NamedTuple):
    slug: str
    name: str
    description: str
    starts_days_ago: int
    summary_cadence: str
    # Months in which the programme holds a learning-network event (first week of the month).
    network_months: tuple[int, ...]


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(
        "national-ae-improvement", "National A&E Improvement Programme",
        "Systems leadership support to local A&E Delivery Boards, with NHS England: nine "
        "localities, two from each NHS region plus a pilot. Enablers work on the ground with "
        "NHS, local government and voluntary sector leaders to develop more collaborative "
        "leadership in support of improvements in emergency care performance.",
        730, "monthly", (3, 6, 9, 12),
    ),
    ProgrammeSpec(
        "integrated-care-pioneers", "Integrated Care Pioneers",
        "Systems leadership support for the Integrated Care Pioneers: an experienced Enabler "
        "works with each place weekly, coaching leaders to focus on the problem, come together "
        "and deliver. Sites decide when they are ready (pull, not push).",
        1000, "quarterly", (2, 5, 10),
    ),
    ProgrammeSpec(
        "system-leadership-23-areas", "System leadership development — 23 areas",
        "NHS England's £2 million programme helping 23 areas kick-start or boost system-wide "
        "leadership development, building on five models: Frimley Health and Care 2020, Surrey "
        "Heartlands Academy, Fylde Coast 100, North Cumbria and Leading Greater Manchester.",
        540, "monthly", (1, 4, 7, 10),
    ),
    ProgrammeSpec(
        "accelerate-sites", "Accelerate sites",
        "NHS England funded the NHS Leadership Academy to give local areas working on new "
        "models of integration dedicated system leadership support: up to five days on site, "
        "designed with local leaders, starting with a diagnostic held between the local "
        "Senior Responsible Officers, the faculty practitioner and an NHS England account "
        "manager.",
        820, "quarterly", (3, 9),
    ),
)


class EngagementSpec(NamedTuple):
    programme: str  # programme slug
    place: str  # place slug
    status: str
    requested_days_ago: int
    started_days_ago: int | None
    days_allocated: str
    focus: str
    lead: str  # enabler username
    supporting: str | None = None
    themes: tuple[str, ...] = ()  # theme slugs this place's sessions keep returning to
    ended_days_ago: int | None = None
    cadence: float = 0.85  # chance of a session in any given week
    quiet_weeks: int = 0  # no sessions in the most recent weeks (gone quiet, or paused)
    gap_every_weeks: int = 0  # a four-week quiet spell at this calendar period (0: none)
    early_in_week: bool = False  # sessions early in the week, so "My week" looks alive
    pilot_of: str = ""  # a pilot (issue 17, point 7): what it pilots


_AE, _ICP, _SLD, _ACC = (p.slug for p in PROGRAMMES)

ENGAGEMENTS: tuple[EngagementSpec, ...] = (
    EngagementSpec(
        _AE, "nottingham", "active", 725, 700, "60.0",
        "Pilot site for the programme. Mobilising the whole system to re-imagine how it works "
        "together for its population, strengthening relationships and trust on the A&E "
        "Delivery Board as the starting point for improving emergency care.",
        "e.tom.okafor", "e.priya.raman",
        ("relationships-and-trust", "shared-purpose", "four-hour-target-pressure"),
        pilot_of="The A&E Delivery Board support model, tested here before the other eight "
                 "localities joined the programme",
    ),
    EngagementSpec(
        _AE, "central-lancashire", "active", 640, 600, "40.0",
        "Changing the conversation about delayed transfers of care from blame ('it's your "
        "fault') to 'what can we do? How can we solve this problem collectively?'",
        DEMO_ENABLER, "e.helen.ashworth",
        ("delayed-transfers-of-care", "blame-culture", "discharge", "relationships-and-trust"),
        cadence=1.0, early_in_week=True,
    ),
    EngagementSpec(
        _AE, "north-merseyside", "active", 630, 590, "40.0",
        "Developing common purpose across sector and professional boundaries, and connecting "
        "more of the system to itself so that flow and discharge are worked on together.",
        "e.helen.ashworth", DEMO_ENABLER,
        ("shared-purpose", "discharge", "delayed-transfers-of-care", "blame-culture"),
    ),
    EngagementSpec(
        _AE, "west-hertfordshire", "active", 560, 530, "30.0",
        "Helping the delivery board step back from four-hour target pressure and work on the "
        "long-term shape of urgent and emergency care.",
        "e.tom.okafor", None,
        ("four-hour-target-pressure", "early-support-before-crisis", "clinical-leadership"),
        quiet_weeks=4,
    ),
    EngagementSpec(
        _AE, "north-east-hertfordshire", "paused", 540, 500, "25.0",
        "Making sense of overlapping improvement offers (ECIP, SAFER, Red2Green) that were "
        "causing initiative fatigue. Paused at the board's request over winter pressures.",
        "e.priya.raman", None,
        ("initiative-fatigue", "four-hour-target-pressure", "relationships-and-trust"),
        quiet_weeks=9,
    ),
    EngagementSpec(
        _AE, "east-kent", "active", 520, 480, "30.0",
        "Clinical leadership across the acute and community divide, and a shared approach to "
        "same-day emergency care across three hospital sites.",
        "e.gareth.llewellyn", "e.joanne.whitfield",
        ("clinical-leadership", "same-day-emergency-care", "relationships-and-trust"),
        gap_every_weeks=26,
    ),
    EngagementSpec(
        _AE, "cornwall", "active", 500, 455, "30.0",
        "Bringing the voluntary sector and the primary care voice into the delivery board; "
        "joint work on discharge and on support before people reach crisis.",
        "e.gareth.llewellyn", "e.bronwen.hughes",
        ("primary-care-voice", "patient-and-service-user-voice", "discharge",
         "early-support-before-crisis"),
    ),
    EngagementSpec(
        _AE, "imperial", "active", 480, 440, "35.0",
        "Coaching for the board chair and executives; building shared ownership so the board "
        "is not seen as people brought together to sort out the hospital's problems.",
        "e.david.pryce", "e.neil.fairbairn",
        ("chief-executives-as-system-leaders", "blame-culture", "shared-purpose"),
        quiet_weeks=5,
    ),
    EngagementSpec(
        _AE, "barnet-enfield", "closed", 600, 560, "30.0",
        "Planning support collaboratively with local leaders across two boroughs and two acute "
        "sites, moving from blame to shared ownership of flow. Closed after the agreed period.",
        "e.ruth.carmichael", None,
        ("blame-culture", "relationships-and-trust", "discharge"),
        ended_days_ago=150,
    ),
    EngagementSpec(
        _ICP, "islington", "active", 990, 960, "60.0",
        "Systems leadership mentoring and coaching for the senior leadership team; bringing "
        "board members together to reflect, share and challenge as new models of care around "
        "primary care are tested.",
        "e.david.pryce", "e.ruth.carmichael",
        ("workforce-integration", "primary-care-voice", "chief-executives-as-system-leaders"),
    ),
    EngagementSpec(
        _ICP, "worcestershire", "active", 980, 940, "45.0",
        "Well Connected: turning the vision for health and care into the five-year plan, "
        "profiling population needs for models of care under a capitated budget, and an "
        "integrated commissioning unit.",
        "e.priya.raman", "e.bronwen.hughes",
        ("capitated-budgets-and-shared-contracting", "shared-purpose", "workforce-integration"),
        gap_every_weeks=26,
    ),
    EngagementSpec(
        _ICP, "cheshire", "active", 900, 850, "20.0",
        "Connecting Care: two councils, two Health and Wellbeing Boards and four CCGs across "
        "three localities integrating continuing healthcare and intermediate care.",
        "e.catherine.doyle", None,
        ("shared-purpose", "capitated-budgets-and-shared-contracting", "relationships-and-trust"),
        cadence=0.5,
    ),
    EngagementSpec(
        _ICP, "welc", "active", 700, 650, "40.0",
        "Building provider collaboratives that co-ordinate services on a single budget for "
        "health and care, including new workforce roles.",
        "e.ruth.carmichael", None,
        ("capitated-budgets-and-shared-contracting", "workforce-integration",
         "patient-and-service-user-voice"),
    ),
    EngagementSpec(
        _ICP, "leeds", "active", 880, 840, "50.0",
        "Integrated neighbourhood teams across the city, working from a shared data source and "
        "the same 'Leeds pound'.",
        "e.sanjay.mistry", None,
        ("workforce-integration", "primary-care-voice", "shared-purpose"),
    ),
    EngagementSpec(
        _SLD, "frimley", "active", 530, 500, "40.0",
        "Frimley Health and Care 2020: 100 leaders — GPs, consultants, therapists, nurses, "
        "social workers, managers, police and army — turning system challenges into change.",
        "e.joanne.whitfield", "e.neil.fairbairn",
        ("clinical-leadership", "leadership-development", "shared-purpose"),
    ),
    EngagementSpec(
        _SLD, "surrey-heartlands", "active", 520, 480, "40.0",
        "Surrey Heartlands Academy and the 'Surrey 500': leadership learning across the system "
        "with the Workforce Action Board, and less unwarranted clinical variation.",
        "e.joanne.whitfield", "e.neil.fairbairn",
        ("leadership-development", "clinical-leadership", "workforce-integration"),
    ),
    EngagementSpec(
        _SLD, "fylde-coast", "active", 420, 390, "25.0",
        "Fylde Coast 100 Systems Leader Programme: growing a cadre of system leaders who deliver "
        "integrated care at the coal face.",
        DEMO_ENABLER, None,
        ("leadership-development", "relationships-and-trust", "discharge"),
        cadence=1.0, early_in_week=True,
    ),
    EngagementSpec(
        _SLD, "north-cumbria", "diagnostic", 70, 35, "5.0",
        "Up to five days on site: a diagnostic with local leaders on where the system is on its "
        "integration journey and how voluntary sector staff and care home providers take part.",
        "e.catherine.doyle", None,
        ("leadership-development", "patient-and-service-user-voice", "shared-purpose"),
    ),
    EngagementSpec(
        _SLD, "greater-manchester", "active", 400, 360, "30.0",
        "Leading Greater Manchester: a community of capable leaders, and networks that share "
        "learning and solve problems with peers.",
        "e.helen.ashworth", None,
        ("leadership-development", "chief-executives-as-system-leaders", "shared-purpose"),
        cadence=0.7,
    ),
    EngagementSpec(
        _SLD, "cheshire-merseyside", "requested", 12, None, "5.0",
        "Asked for up to five days on site to help design the Cheshire Merseyside leadership "
        "academy before its launch.",
        "", None,
    ),
    # The other nine Integrated Care Pioneers (issue 17, point 8); four finished their support.
    EngagementSpec(
        _ICP, "barnsley", "closed", 995, 960, "30.0",
        "Bringing the council, CCG and hospital round one integration plan for older people.",
        "e.helen.ashworth", None, ("shared-purpose", "relationships-and-trust"),
        ended_days_ago=420, cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "cornwall-isles-of-scilly", "closed", 990, 950, "20.0",
        "Living Well: the voluntary sector as an equal partner in care for people with long-term "
        "conditions.",
        "e.joanne.whitfield", None, ("patient-and-service-user-voice", "shared-purpose"),
        ended_days_ago=480, cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "greenwich", "active", 970, 930, "35.0",
        "Integrated care for older people: one assessment, one care plan, across the borough.",
        "e.neil.fairbairn", None, ("workforce-integration", "relationships-and-trust"),
        cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "kent", "closed", 985, 945, "30.0",
        "A county-wide integration programme: shared leadership across seven CCGs and one "
        "council.",
        "e.gareth.llewellyn", None, ("initiative-fatigue", "shared-purpose"),
        ended_days_ago=360, cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "north-west-london", "active", 960, 920, "40.0",
        "Whole systems integrated care: leaders of eight boroughs agreeing what they will do "
        "once, together.",
        "e.david.pryce", None,
        ("capitated-budgets-and-shared-contracting", "chief-executives-as-system-leaders"),
        cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "south-devon-torbay", "active", 975, 935, "30.0",
        "Building an integrated care organisation: acute and community staff as one team.",
        "e.gareth.llewellyn", None, ("workforce-integration", "clinical-leadership"),
        cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "southend", "active", 900, 860, "25.0",
        "A single point of access and locality teams, with the voluntary sector alongside.",
        "e.bronwen.hughes", None, ("primary-care-voice", "patient-and-service-user-voice"),
        cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "staffordshire", "closed", 980, 940, "30.0",
        "Outcome-based commissioning: providers and commissioners agreeing outcomes together.",
        "e.tom.okafor", None, ("capitated-budgets-and-shared-contracting", "shared-purpose"),
        ended_days_ago=400, cadence=0.4,
    ),
    EngagementSpec(
        _ICP, "wiltshire", "active", 950, 905, "30.0",
        "Integrated community teams around general practice; trust between two acute trusts.",
        "e.joanne.whitfield", None, ("primary-care-voice", "relationships-and-trust"),
        cadence=0.4,
    ),
    # Accelerate sites: up to five days on site each, beginning with a diagnostic.
    EngagementSpec(
        _ACC, "fylde-coast", "closed", 800, 780, "5.0",
        "New models of care: leadership development for the extensivist model's partners.",
        "e.helen.ashworth", None, ("leadership-development", "workforce-integration"),
        ended_days_ago=660, cadence=0.6,
    ),
    EngagementSpec(
        _ACC, "greater-manchester", "closed", 790, 770, "5.0",
        "Salford's integrated care organisation: the board's shared purpose.",
        "e.catherine.doyle", None, ("shared-purpose", "leadership-development"),
        ended_days_ago=640, cadence=0.6,
    ),
    EngagementSpec(
        _ACC, "west-hertfordshire", "closed", 780, 755, "5.0",
        "Integrated community care: partnership board facilitation and small-group coaching.",
        "e.bronwen.hughes", None, ("relationships-and-trust", "leadership-development"),
        ended_days_ago=620, cadence=0.6,
    ),
    EngagementSpec(
        _ACC, "leeds", "diagnostic", 45, 20, "5.0",
        "The diagnostic: where the city feels it is on its integration journey.",
        "e.sanjay.mistry", None, ("leadership-development", "shared-purpose"),
        cadence=0.9,
    ),
)

# (slug, name, description)
THEMES: tuple[tuple[str, str, str], ...] = (
    ("delayed-transfers-of-care", "Delayed transfers of care",
     "People medically fit to leave hospital who are still waiting."),
    ("relationships-and-trust", "Relationships and trust",
     "The starting point for improving leadership capacity across a system."),
    ("shared-purpose", "Shared purpose", "A common ambition across sector and professional lines."),
    ("blame-culture", "Blame culture", "'It's your fault' conversations, locally and nationally."),
    ("four-hour-target-pressure", "Four-hour target pressure",
     "How pressure on the four-hour standard shapes behaviour."),
    ("discharge", "Discharge", "Getting people home safely as soon as they are ready."),
    ("initiative-fatigue", "Initiative fatigue",
     "Overlapping national programmes and guidance."),
    ("clinical-leadership", "Clinical leadership",
     "Clinicians leading change across the pathway."),
    ("same-day-emergency-care", "Same-day emergency care", "SDEC models and how they are led."),
    ("primary-care-voice", "Primary care voice",
     "General practice represented in system decisions."),
    ("patient-and-service-user-voice", "Patient and service-user voice",
     "Patients, service users and communities at the centre."),
    ("chief-executives-as-system-leaders", "Chief executives as system leaders",
     "Senior executives leading beyond their own organisation."),
    ("early-support-before-crisis", "Early support before crisis",
     "Support that arrives before a system is in trouble."),
    ("workforce-integration", "Workforce integration",
     "Integrated teams and new roles across organisations."),
    ("capitated-budgets-and-shared-contracting", "Capitated budgets and shared contracting",
     "Sharing gain, loss and risk across partners."),
    ("leadership-development", "Leadership development",
     "Growing system leaders at every level: talent, networks, learning."),
)
