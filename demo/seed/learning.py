"""The words of the demo: session notes, and the learning and outcomes the places recorded.

Quotes, messages for national leaders, lessons, good practice, barriers and outcomes are taken
from the seed documents. Quotes are attributed by role, never by name, and carry consent.
"""

from __future__ import annotations

from typing import NamedTuple

PRIVATE_NOTES: tuple[str, ...] = (
    "Private reflection: the chair seemed tired today; a quieter check-in before the next "
    "board would help.",
    "Private reflection: energy dropped when the four-hour figures came up. Open with a "
    "patient story next time.",
    "Private reflection: I talked too much in the first half. Hold back and let the "
    "clinicians lead.",
    "Private reflection: two directors are still circling each other; offer each a separate "
    "conversation.",
    "Private reflection: social care colleagues felt outnumbered again. Think about who "
    "speaks first.",
    "Private reflection: good humour in the room, the first time it has felt like one team.",
    "Private reflection: not sure commissioning has bought in yet; keep the door open.",
    "Private reflection: check my own assumptions about the ambulance service's position "
    "before the workshop.",
    "Private reflection: the agenda was too full again; fewer items, more time on the hard one.",
    "Private reflection: the new operations lead is a quiet strength worth encouraging.",
    "Private reflection: I got pulled into solving their problem for them; step back next time.",
    "Private reflection: the tension about the winter plan is really about trust, not beds.",
)

NEXT_STEPS: tuple[str, ...] = (
    "Agree a date for the joint discharge workshop with social care.",
    "Share themes from the diagnostic interviews with the chair (themes only, no names).",
    "Set up 1:1 coaching for the new chief operating officer.",
    "Invite the voluntary sector and Healthwatch to the next board development session.",
    "Draft the questions for the next round of board member interviews.",
    "Follow up the board's actions on the weekend discharge rota.",
    "Connect the clinical leads with the same-day emergency care team at a neighbouring trust.",
    "Plan the next learning-network event with the other places in the region.",
    "Check in with the GP federation lead about primary care's seat on the board.",
    "Book a half-day for the board to review progress against its shared ambition.",
)

POSTPONED_REASONS: tuple[str, ...] = (
    "Site postponed — winter pressures",
    "Board meeting moved — the trust declared OPEL 4",
    "Postponed at the place's request — CQC inspection that week",
    "Postponed — key attendees covering industrial action",
    "Rearranged — enabler unwell",
)
WINTER_REASON = POSTPONED_REASONS[0]
CANCELLED_REASONS: tuple[str, ...] = (
    "Cancelled — the board stood down its development session",
    "Cancelled — clashed with the system's winter planning summit",
    "Cancelled by the place — chair unavailable",
)


class LearningSpec(NamedTuple):
    place: str  # place slug (its engagement's sessions)
    kind: str
    text: str
    themes: tuple[str, ...]
    attributed_role: str = ""
    position: float = 0.5  # where in the engagement's run of held sessions it was recorded
    shareable: bool = True


_Q, _M, _L, _G, _B = "quote", "message", "lesson", "good_practice", "barrier"

LEARNING: tuple[LearningSpec, ...] = (
    # Quotes: by role, with consent.
    LearningSpec(
        "north-merseyside", _Q,
        "One of the biggest problems we have is around delayed transfers of care. We all know "
        "that but when we talked about it before it was all about blame and 'it's your fault'. "
        "The Leadership Centre helped us to change the conversation to 'what can we do? How can "
        "we solve this problem collectively?' We have recognised that if we sit back and just "
        "keep blaming social care nothing will change.",
        ("delayed-transfers-of-care", "blame-culture", "relationships-and-trust"),
        "NHS Operations Manager", 0.6,
    ),
    LearningSpec(
        "central-lancashire", _Q,
        "I was surprised at the intensity of the work and the level of resources and energy "
        "expended. This is not some wafty consultancy exercise but real work on hard-to-shift "
        "issues.",
        ("relationships-and-trust",), "NHS Chief Operating Officer", 0.7,
    ),
    LearningSpec(
        "nottingham", _Q,
        "You can't deliver healthcare alone – we need more connections and pathways.",
        ("shared-purpose", "relationships-and-trust"), "NHS Chief Operating Officer", 0.5,
    ),
    LearningSpec(
        "east-kent", _Q,
        "Traditional NHS offers of help tend to be more directive – you will do X or Y. This "
        "felt very different – genuinely about supporting local players trying to drive "
        "solutions, and facilitating them to find a way forward.",
        ("relationships-and-trust",), "Local system leader", 0.4,
    ),
    LearningSpec(
        "cornwall", _Q,
        "Leadership development support can often be too removed from the day-to-day realities. "
        "Because this programme has been embedded in the actual work of the A&E delivery board, "
        "and the leadership team have actually been there, that life coaching, guidance and "
        "mentorship has been really beneficial.",
        ("relationships-and-trust",), "A&E Delivery Board member", 0.8,
    ),
    LearningSpec(
        "imperial", _Q, "We almost take it in turns to take the blame.",
        ("blame-culture", "four-hour-target-pressure"), "Senior NHS manager", 0.3,
    ),
    LearningSpec(
        "islington", _Q,
        "Whole-system transformational change will only occur if we have the right leadership "
        "in place. If we want to shift the workforce to a new ethos and culture, we need to "
        "start at the top.",
        ("workforce-integration", "chief-executives-as-system-leaders"),
        "Local authority programme director", 0.5,
    ),
    LearningSpec(
        "worcestershire", _Q,
        "Above all, a commitment to Systems Leadership has been crucial: effective leadership "
        "in the world of partnership working, where no one person or one organisation is "
        "'in charge'.",
        ("shared-purpose",), "Pioneer programme director", 0.6,
    ),
    LearningSpec(
        "frimley", _Q,
        "A collaborative effort of discovery, curiosity, innovation and commitment to a change "
        "challenge has reinvigorated professionals to see their potential roles in improving "
        "health outcomes.",
        ("leadership-development", "clinical-leadership"), "Integrated care system leader", 0.7,
    ),
    # Messages for national leaders (seed 001).
    LearningSpec("north-east-hertfordshire", _M,
                 "Integrate and rationalise the proliferation of support programmes and "
                 "guidance: they are valued, but their overlap causes confusion and initiative "
                 "fatigue.", ("initiative-fatigue",), position=0.3),
    LearningSpec("west-hertfordshire", _M,
                 "Provide support before systems reach crisis: like patients, systems respond "
                 "better to early intervention.", ("early-support-before-crisis",), position=0.4),
    LearningSpec("barnet-enfield", _M,
                 "Plan support collaboratively with local leaders: parachuting help in can cause "
                 "avoidable disruption and undermine faith in local leaders.",
                 ("relationships-and-trust",), position=0.5),
    LearningSpec("east-kent", _M, "Tailored support trumps one-size-fits-all instructions.",
                 ("relationships-and-trust",), position=0.6),
    LearningSpec("nottingham", _M,
                 "Provide support for the long-term, so that changes have time and space to bed "
                 "in.", ("early-support-before-crisis",), position=0.8),
    LearningSpec("west-hertfordshire", _M,
                 "Obsessing about the four hour target makes it more difficult to hit.",
                 ("four-hour-target-pressure",), position=0.7),
    LearningSpec("imperial", _M,
                 "Help chief executives become system leaders: operational directors are often "
                 "quicker to develop a culture of systems thinking.",
                 ("chief-executives-as-system-leaders",), position=0.6),
    LearningSpec("central-lancashire", _M,
                 "Sacking chief executives hammers morale: support and development should be the "
                 "way to tackle performance difficulties.",
                 ("blame-culture", "chief-executives-as-system-leaders"), position=0.4),
    LearningSpec("north-merseyside", _M,
                 "The language of blame and failure persists: supportive national words are not "
                 "always matched by behaviours in the regions.", ("blame-culture",),
                 position=0.3),
    LearningSpec("cornwall", _M,
                 "A unified view of local systems across the central bodies can't come too "
                 "soon.", ("initiative-fatigue",), position=0.5),
    # Lessons (seed 004).
    LearningSpec("leeds", _L,
                 "There is no one size fits all, so systems leadership support needs to be "
                 "flexible and adaptive.", ("relationships-and-trust",), position=0.3),
    LearningSpec("cheshire", _L,
                 "Sites should decide when they are ready for systems leadership support, rather "
                 "than support being offered to all at the same time.",
                 ("early-support-before-crisis",), position=0.5),
    LearningSpec("islington", _L,
                 "Robust relationships and shared purpose are crucial – with these in place you "
                 "can weather many of the storms.",
                 ("relationships-and-trust", "shared-purpose"), position=0.8),
    LearningSpec("welc", _L,
                 "Have patients and service users at the centre and involve people in their "
                 "communities – it's where energy and creativity often lies.",
                 ("patient-and-service-user-voice",), position=0.6),
    LearningSpec("worcestershire", _L,
                 "Sites that invested in senior executives operating across organisational "
                 "boundaries have often seen more progress.",
                 ("chief-executives-as-system-leaders",), position=0.4),
    LearningSpec("leeds", _L,
                 "Allow time – the scenic route – and accept uncertainty and even conflict; it "
                 "needn't derail the programme if relationships are strong.",
                 ("relationships-and-trust",), position=0.7),
    LearningSpec("greater-manchester", _L,
                 "Use influence as much as, if not more than, formal power, and make "
                 "connections.", ("leadership-development",), position=0.5),
    LearningSpec("fylde-coast", _L,
                 "Build leadership and connections at senior and operational levels.",
                 ("leadership-development",), position=0.6),
    LearningSpec("surrey-heartlands", _L,
                 "Think beyond traditional roles: participants start to see themselves as part "
                 "of a collective leadership with a shared ambition.",
                 ("leadership-development", "shared-purpose"), position=0.9, shareable=False),
    # Good practice (seeds 002 and 003).
    LearningSpec("central-lancashire", _G,
                 "An executive sponsor oversees urgent and emergency care and the whole patient "
                 "pathway, including admission and discharge.",
                 ("discharge", "clinical-leadership"), position=0.8),
    LearningSpec("east-kent", _G,
                 "Same-day emergency care works best when it is flexible to patients' needs and "
                 "led by the clinical teams that can best support demand.",
                 ("same-day-emergency-care", "clinical-leadership"), position=0.8),
    LearningSpec("leeds", _G,
                 "A primary care collaborative gives general practice a single voice in "
                 "decision-making at every level of the system.",
                 ("primary-care-voice",), position=0.5),
    LearningSpec("frimley", _G,
                 "Leadership programme participants delivered frailty education across the "
                 "whole system.", ("clinical-leadership", "leadership-development"),
                 position=0.5),
    LearningSpec("surrey-heartlands", _G,
                 "An 'advice and guidance' telephone service for GPs cut referrals to "
                 "outpatients.", ("primary-care-voice",), position=0.5),
    LearningSpec("north-cumbria", _G,
                 "Voluntary sector staff and care home providers take part in the leadership "
                 "programme from the start.",
                 ("patient-and-service-user-voice", "leadership-development"), position=0.7),
    # Barriers (seeds 001 and 004).
    LearningSpec("cheshire", _B,
                 "Multiple and overlapping boundaries make integration harder than in a bounded "
                 "area with one local authority and one CCG.", ("shared-purpose",),
                 position=0.7),
    LearningSpec("worcestershire", _B,
                 "Organisational imperatives, such as a trust going for Foundation status, can "
                 "trump any amount of shared purpose.", ("shared-purpose",), position=0.7),
    LearningSpec("north-east-hertfordshire", _B,
                 "Collective action may not hold during times of significant system pressure.",
                 ("four-hour-target-pressure", "relationships-and-trust"), position=0.8),
    LearningSpec("islington", _B,
                 "Organisations still have to meet the performance, legal and regulatory "
                 "requirements that apply to each of them alone.", ("shared-purpose",),
                 position=0.3),
    LearningSpec("imperial", _B,
                 "Relentless pressure on the four-hour target pulls leaders back into their own "
                 "organisations.", ("four-hour-target-pressure", "blame-culture"), position=0.8),
)


class OutcomeSpec(NamedTuple):
    place: str
    kind: str
    title: str
    description: str
    themes: tuple[str, ...]
    days_ago: int
    measure: str = ""


OUTCOMES: tuple[OutcomeSpec, ...] = (
    OutcomeSpec("frimley", "pathway_redesign", "Redesign of the low risk chest pain pathway",
                "Leadership programme participants redesigned the low risk chest pain pathway "
                "for Frimley and Wexham hospitals to improve care.",
                ("clinical-leadership",), 200),
    OutcomeSpec("frimley", "working_methods", "Red Bag introduced across the whole system",
                "Care home residents' essential information now travels with them to hospital "
                "and home again.", ("discharge",), 60),
    OutcomeSpec("surrey-heartlands", "working_methods",
                "Team for people over 65 avoided 3,600 unnecessary nights in hospital",
                "A team dedicated to people over 65 saw patients earlier at home, freeing up "
                "around £4 million to be reinvested.",
                ("discharge", "early-support-before-crisis"), 180, "3,600 bed nights avoided"),
    OutcomeSpec("surrey-heartlands", "pathway_redesign",
                "7% decrease in GP referrals to outpatients in Guildford & Waverley",
                "An 'advice and guidance' telephone service for GPs reduced referrals to "
                "outpatients.", ("primary-care-voice",), 90,
                "7% fewer GP referrals to outpatients"),
    OutcomeSpec("nottingham", "regulator_recognition",
                "CQC recognised system working under the 'well-led' criterion",
                "The CQC's report cited the trust's work with its delivery board partners as "
                "evidence of good leadership.", ("relationships-and-trust",), 150),
    OutcomeSpec("north-merseyside", "common_purpose",
                "Common purpose across sector and professional boundaries",
                "The delivery board agreed one ambition for flow, owned jointly by health, "
                "social care and the voluntary sector.", ("shared-purpose",), 200),
    OutcomeSpec("central-lancashire", "behaviours",
                "Delayed transfers discussed as a shared problem, not a blame game",
                "Board members now bring delayed transfers to the board as a joint problem; "
                "social care is no longer asked to account for them alone.",
                ("delayed-transfers-of-care", "blame-culture"), 100),
    OutcomeSpec("central-lancashire", "working_methods",
                "Joint discharge planning between the acute trust and social care",
                "A daily joint discharge conversation replaced separate escalation calls.",
                ("discharge",), 45),
    OutcomeSpec("east-kent", "relationships",
                "Improved relationships between acute and community clinical leaders",
                "Clinical leads from the three sites and community services now meet monthly "
                "without an agenda set by the board.", ("clinical-leadership",), 130),
    OutcomeSpec("cornwall", "common_purpose", "Voluntary sector seat on the delivery board",
                "The board invited the voluntary sector to sit as a full member.",
                ("patient-and-service-user-voice",), 160),
    OutcomeSpec("barnet-enfield", "relationships", "Improved relationships across two boroughs",
                "Both boroughs and both acute sites agreed a shared approach to winter.",
                ("relationships-and-trust",), 220),
    OutcomeSpec("islington", "working_methods", "New governance arrangements backed by partners",
                "Partners agreed new governance and processes for integrated care, with new "
                "models of care around primary care in 'test and learn' sites.",
                ("primary-care-voice",), 300),
    OutcomeSpec("islington", "working_methods", "Integrated community ageing teams",
                "Greater workforce integration: integrated community ageing teams and "
                "integrated psychiatric liaison and assessment teams.",
                ("workforce-integration",), 120),
    OutcomeSpec("worcestershire", "working_methods", "Integrated commissioning unit",
                "An integrated commissioning unit expands existing work on mental health and "
                "learning disability services.",
                ("capitated-budgets-and-shared-contracting",), 220),
    OutcomeSpec("leeds", "working_methods", "Integrated neighbourhood teams across the city",
                "Teams work from a shared data source and use the same 'Leeds pound'.",
                ("workforce-integration",), 250),
    OutcomeSpec("welc", "working_methods", "Provider collaboratives with a single budget",
                "Provider collaboratives co-ordinate services and use a single budget for "
                "health and care, with new workforce roles.",
                ("capitated-budgets-and-shared-contracting", "workforce-integration"), 180),
    OutcomeSpec("cheshire", "working_methods",
                "Continuing healthcare and intermediate care integrated",
                "Connecting Care integrated continuing healthcare and intermediate care across "
                "three localities.", ("shared-purpose",), 140),
    OutcomeSpec("greater-manchester", "other", "A community of capable leaders",
                "Leading Greater Manchester has helped more than 500 people.",
                ("leadership-development",), 90, "500+ leaders"),
    OutcomeSpec("fylde-coast", "other", "Fylde Coast 100 system leaders",
                "The Systems Leader Programme's first cohort of 100 completed together.",
                ("leadership-development",), 70, "100 leaders"),
)


class StatementSpec(NamedTuple):
    """An outcome as an outcome statement (issue 16): who changed (a role, team, organisation or
    sector, never a name), how the support contributed, and where it stands: "confirmed" (by a
    fictional board member of the place: the seed credits their role), "awaiting" the place, or
    still a "draft"."""

    who_changed: str
    contribution: str
    state: str = "confirmed"


# By outcome title. An outcome not listed is confirmed, with ``DEFAULT_STATEMENT``.
OUTCOME_STATEMENTS: dict[str, StatementSpec] = {
    "Team for people over 65 avoided 3,600 unnecessary nights in hospital": StatementSpec(
        "The acute trust's team for people over 65, with community services",
        "The enabler brought the acute and community teams together to agree who sees older "
        "people first, and kept the board's attention on it through the winter."),
    "7% decrease in GP referrals to outpatients in Guildford & Waverley": StatementSpec(
        "GP practices and hospital consultants in Guildford & Waverley",
        "Coaching for the clinical leads who set up the advice and guidance line, and a "
        "workshop where GPs and consultants agreed how to use it."),
    "CQC recognised system working under the 'well-led' criterion": StatementSpec(
        "The acute trust's executive team and its delivery board partners",
        "Board facilitation over a year built the joint working the CQC cited."),
    "Common purpose across sector and professional boundaries": StatementSpec(
        "The delivery board: health, social care and the voluntary sector",
        "Facilitated board sessions to agree one ambition for flow."),
    "Redesign of the low risk chest pain pathway": StatementSpec(
        "Emergency department and cardiology clinicians at both hospitals",
        "The leadership programme gave the clinicians time and a method to redesign it."),
    "Delayed transfers discussed as a shared problem, not a blame game": StatementSpec(
        "Delivery board members from health and social care",
        "The enabler named the pattern at a board session and coached the chair."),
    "Red Bag introduced across the whole system": StatementSpec(
        "Care homes, the ambulance service and the acute trust",
        "A workshop that brought care home managers and ward staff together.", "awaiting"),
    "Joint discharge planning between the acute trust and social care": StatementSpec(
        "Discharge teams in the acute trust and the council's social care team",
        "Facilitated the first joint conversations and helped agree the daily call.",
        "awaiting"),
    "Integrated community ageing teams": StatementSpec(
        "Community health and adult social care staff",
        "Coaching for the team leaders through the first months of integration.", "awaiting"),
    "Continuing healthcare and intermediate care integrated": StatementSpec(
        "Continuing healthcare and intermediate care services in three localities",
        "Diagnostic interviews that surfaced the duplication.", "draft"),
}
DEFAULT_STATEMENT = StatementSpec(
    "Partners on the delivery board",
    "The enabler's facilitation of the board and coaching of its members.")
