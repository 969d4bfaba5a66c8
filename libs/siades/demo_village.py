"""The generated part of the demo village: 84 families of Desa Sumbermulyo, from a fixed seed.

`generate_village()` returns plain rows in the shapes of demo.py's hand-written tables, so
demo.py inserts both the same way. Names come from a local Faker("id_ID"), every other choice
from a local random.Random, both seeded with SEED: the same seed gives the same village, whatever
else the process does with the global random state.

What the families look like (ages as of CENSUS_DATE):
- most are a married couple (the husband heads the card, now and then the wife, with a SUAMI)
  and their children, born when both parents were at least 19; children past 25 mostly have a
  card of their own; some cards add a widowed parent (ORANGTUA, MERTUA), a relative (FAMILI
  LAIN), or a married child with a MENANTU and a CUCU;
- the rest are widowed or divorced heads with their children, and people living alone;
- a few parents on a card have died (status_dasar 2), a few grown children moved away (3);
- the poorer families (about a third) are the ones in PKH, BPNT and KIS, and get a tweb_rtm.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

from libs.siades.demo_people import (
    ALIVE,
    CENSUS_DATE,
    CHILD,
    CHILD_IN_LAW,
    DEAD,
    DIVORCED,
    FEMALE,
    GRANDCHILD,
    HEAD,
    HUSBAND,
    LOW_INCOME_JOBS,
    MALE,
    MARRIED,
    MOVED,
    PARENT,
    PARENT_IN_LAW,
    RELATIVE,
    RELIGIONS,
    SINGLE,
    WIDOWED,
    WIFE,
    Person,
    age_on,
    describe,
    pick,
)

SEED = 3517092006  # the village's code: change it and every generated row changes
REGION_CODE = "351709"  # Kecamatan Jogoroto, Kabupaten Jombang: NIK and No KK start with it
FAMILY_COUNT = 84
DEAD_COUNT = 3
MOVED_COUNT = 4
RTM_PREFIX = "3517092006"  # tweb_rtm.no_kk: village code + 3-digit serial (001 is hand-written)
FAMILY_KINDS = {"couple": 74, "widowed": 12, "divorced": 4, "alone": 10}

# (dusun, rw, rt): RW numbers run through the village, RT numbers restart in every RW.
PLACES = [
    ("KRAJAN", "001", "001"), ("KRAJAN", "001", "002"), ("KRAJAN", "001", "003"),
    ("SUMBERSARI", "002", "001"), ("SUMBERSARI", "002", "002"), ("SUMBERSARI", "003", "001"),
    ("SUMBERSARI", "003", "002"), ("SUMBERAGUNG", "004", "001"), ("SUMBERAGUNG", "004", "002"),
    ("SUMBERAGUNG", "004", "003"), ("GEMPOLREJO", "005", "001"), ("GEMPOLREJO", "005", "002"),
]
STREETS = ["Jl. Mawar", "Jl. Anggrek", "Jl. Flamboyan", "Jl. Raya Sumbermulyo", "Jl. Masjid",
           "Jl. Sawahan", "Gg. Mushola", "Jl. Kauman", "Jl. Pondok", "Jl. Brantas"]


@dataclass
class Card:
    """One generated family card (Kartu Keluarga) and the people on it, head first."""

    key: str
    place: tuple[str, str, str]
    address: str | None
    religion: int
    members: list[Person] = field(default_factory=list)
    poor: bool = False
    issued: date = CENSUS_DATE  # when the current card was issued
    no_kk: str = ""

    @property
    def head(self) -> Person:
        """The head of family (kk_level 1)."""
        return self.members[0]


@dataclass(frozen=True)
class GeneratedVillage:
    """The generated rows, shaped like demo.py's FAMILIES, RESIDENTS and PROGRAMS entries."""

    families: dict[str, tuple[str, tuple[str, str, str], str | None]]
    residents: list[tuple]
    programs: dict[str, list[tuple[str, str]]]  # program name -> [(family key or NIK, card no)]
    households: list[tuple[str, str]]  # (family key, tweb_rtm.no_kk)


def generate_village(
    taken_niks: Collection[str], taken_kks: Collection[str], seed: int = SEED
) -> GeneratedVillage:
    """The generated families, avoiding the NIKs and No KKs already taken by hand-written rows."""
    maker = VillageMaker(seed)
    cards = [maker.card(f"G{number:03d}", place) for number, place in maker.spread_places()]
    maker.mark_dead_and_moved(cards)
    assign_numbers(cards, set(taken_niks), set(taken_kks))
    programs = maker.program_rolls(cards)  # KIS goes by NIK: after assign_numbers
    return GeneratedVillage(
        families={c.key: (c.no_kk, c.place, c.address) for c in cards},
        residents=[resident_row(c, p) for c in cards for p in c.members],
        programs=programs,
        households=household_numbers(cards),
    )


def resident_row(card: Card, person: Person) -> tuple:
    """A row in demo.RESIDENTS' shape (family key, kk_level, NIK, name, sex, ...)."""
    return (
        card.key, person.role, person.nik, person.name, person.sex, person.birth_place,
        person.born.isoformat(), card.religion, person.education, person.occupation,
        person.marital, person.status,
    )


def household_numbers(cards: list[Card]) -> list[tuple[str, str]]:
    """(family key, tweb_rtm.no_kk) for the poor families, numbered from 002 on."""
    poor = [card for card in cards if card.poor]
    return [(card.key, f"{RTM_PREFIX}{n:03d}") for n, card in enumerate(poor, start=2)]


def assign_numbers(cards: list[Card], niks: set[str], kks: set[str]) -> None:
    """Give every person a NIK and every card a No KK: the lowest serial not yet taken."""
    for card in cards:
        for person in card.members:
            person.nik = first_free(nik_prefix(person), niks)
        card.no_kk = first_free(f"{REGION_CODE}{card.issued:%d%m%y}", kks)


def nik_prefix(person: Person) -> str:
    """Region code + birth date DDMMYY, with 40 added to the day for women."""
    day = person.born.day + (40 if person.sex == FEMALE else 0)
    return f"{REGION_CODE}{day:02d}{person.born:%m%y}"


def first_free(prefix: str, taken: set[str]) -> str:
    """prefix + the lowest 4-digit serial whose number is not in `taken` (which it joins)."""
    serial = 1
    while f"{prefix}{serial:04d}" in taken:
        serial += 1
    number = f"{prefix}{serial:04d}"
    taken.add(number)
    return number


def years_after(day: date, years: int) -> date:
    """The same day `years` later (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class VillageMaker:
    """Draws families, dates and programs from one seeded Random (and names from a Faker)."""

    def __init__(self, seed: int) -> None:
        from faker import Faker  # slow to import: paid only when a village is generated

        self.rng = random.Random(seed)
        self.faker = Faker("id_ID")
        self.faker.seed_instance(seed)

    def spread_places(self) -> list[tuple[int, tuple[str, str, str]]]:
        """(family number, place): every RT gets families, in a shuffled order."""
        places = [PLACES[i % len(PLACES)] for i in range(FAMILY_COUNT)]
        self.rng.shuffle(places)
        return list(enumerate(places, start=1))

    # --- family cards ----------------------------------------------------------------------------

    def card(self, key: str, place: tuple[str, str, str]) -> Card:
        """One family card of a kind drawn by how common it is."""
        address = None
        if self.rng.random() < 0.5:
            address = f"{self.rng.choice(STREETS)} No. {self.rng.randint(1, 120)}"
        card = Card(key, place, address, religion=pick(self.rng, RELIGIONS))
        kind = pick(self.rng, FAMILY_KINDS)
        if kind == "couple":
            self.add_couple(card)
        elif kind == "alone":
            self.add_person_alone(card)
        else:
            self.add_single_parent(card, WIDOWED if kind == "widowed" else DIVORCED)
        for person in card.members:
            describe(person, card.religion, self.rng, self.faker)
        card.issued = self.issue_date(card)
        card.poor = self.rng.random() < (0.6 if card.head.occupation in LOW_INCOME_JOBS else 0.2)
        return card

    def add_couple(self, card: Card) -> None:
        """A married couple, their children at home, and sometimes a parent or a relative."""
        husband = Person(HEAD, MALE, self.born_aged(22, 75), MARRIED)
        wife = Person(WIFE, FEMALE, self.born_between(
            years_after(husband.born, -2), years_after(husband.born, 8)), MARRIED)
        if wife.age < 19:
            wife.born = years_after(CENSUS_DATE, -19 - self.rng.randint(0, 3))
        if self.rng.random() < 0.06:  # the wife heads the card; her husband is SUAMI
            husband.role, wife.role = HUSBAND, HEAD
            card.members += [wife, husband]
        else:
            card.members += [husband, wife]
        count = pick(self.rng, {0: 8, 1: 22, 2: 35, 3: 22, 4: 10, 5: 3})
        children = self.children(wife.born, max(husband.born, wife.born), count)
        card.members += children
        self.add_relatives(card, husband, wife, children)

    def add_single_parent(self, card: Card, marital: int) -> None:
        """A widowed or divorced head (more often a woman) with the children still at home."""
        sex = FEMALE if self.rng.random() < 0.75 else MALE
        youngest = 45 if marital == WIDOWED else 28
        head = Person(HEAD, sex, self.born_aged(youngest, 82), marital)
        card.members.append(head)
        card.members += self.children(head.born, head.born, self.rng.choice([0, 1, 1, 2, 2, 3]))

    def add_person_alone(self, card: Card) -> None:
        """A young single person, or an old widow(er), alone on a card."""
        if self.rng.random() < 0.6:
            sex = MALE if self.rng.random() < 0.7 else FEMALE
            card.members.append(Person(HEAD, sex, self.born_aged(21, 38)))
        else:
            sex = FEMALE if self.rng.random() < 0.7 else MALE
            card.members.append(Person(HEAD, sex, self.born_aged(60, 88), WIDOWED))

    def add_relatives(self, card: Card, husband: Person, wife: Person, children: list) -> None:
        """Now and then: a widowed parent, a relative, or a married child with their family."""
        if self.rng.random() < 0.14:
            child_of = self.rng.choice([husband, wife])
            role = PARENT if child_of.role == HEAD else PARENT_IN_LAW
            born = self.born_between(
                years_after(child_of.born, -38), years_after(child_of.born, -20))
            if age_on(born) <= 95:
                sex = pick(self.rng, {FEMALE: 65, MALE: 35})  # widows outlive widowers
                card.members.append(Person(role, sex, born, WIDOWED))
        if self.rng.random() < 0.05:
            sex = pick(self.rng, {MALE: 1, FEMALE: 1})
            card.members.append(Person(RELATIVE, sex, self.born_aged(8, 24)))
        adults = [c for c in children if c.age >= 22]
        if adults and self.rng.random() < 0.35:
            self.add_married_child(card, self.rng.choice(adults))

    def add_married_child(self, card: Card, child: Person) -> None:
        """A child who married and lives on with their spouse (MENANTU) and maybe a CUCU."""
        child.marital = MARRIED
        spouse_sex = FEMALE if child.sex == MALE else MALE
        spouse = Person(CHILD_IN_LAW, spouse_sex, self.born_between(
            years_after(child.born, -3), years_after(child.born, 3)), MARRIED)
        if spouse.age < 19:
            spouse.born = years_after(child.born, -1)
        card.members.append(spouse)
        mother = child if child.sex == FEMALE else spouse
        count = self.rng.choice([0, 1])
        for grandchild in self.children(mother.born, max(child.born, spouse.born), count):
            grandchild.role = GRANDCHILD
            card.members.append(grandchild)

    def children(self, mother_born: date, younger_parent_born: date, count: int) -> list[Person]:
        """Up to `count` children still on the card, oldest first, born to parents aged 19+."""
        earliest = max(years_after(mother_born, 20), years_after(younger_parent_born, 19))
        latest = min(years_after(mother_born, 42), CENSUS_DATE - timedelta(days=30))
        if earliest > latest:
            return []
        children = []
        born = self.born_between(earliest, years_after(earliest, 4))
        while len(children) < count and born <= latest:
            children.append(Person(CHILD, pick(self.rng, {MALE: 1, FEMALE: 1}), born))
            born += timedelta(days=self.rng.randint(550, 2200))  # 18 months to 6 years apart
        # Most children past 25 have a card of their own and are not on this one.
        return [c for c in children if c.age < 25 or self.rng.random() < 0.3]

    def issue_date(self, card: Card) -> date:
        """When the current card was issued: after its youngest member was born, since 2008."""
        youngest = max(p.born for p in card.members)
        return self.born_between(
            max(youngest, years_after(card.head.born, 17), date(2008, 1, 1)), CENSUS_DATE)

    def born_aged(self, youngest: int, oldest: int) -> date:
        """A birth date of someone between `youngest` and `oldest` years old."""
        return self.born_between(years_after(CENSUS_DATE, -oldest - 1) + timedelta(days=1),
                                 years_after(CENSUS_DATE, -youngest))

    def born_between(self, earliest: date, latest: date) -> date:
        """A day between `earliest` and `latest` (both included, and never after CENSUS_DATE)."""
        latest = min(latest, CENSUS_DATE)
        return earliest + timedelta(days=self.rng.randint(0, max((latest - earliest).days, 0)))

    # --- what happened since, and assistance ---------------------------------------------------

    def mark_dead_and_moved(self, cards: list[Card]) -> None:
        """A few old parents on a card have died, a few grown children have moved away."""
        parents = [p for c in cards for p in c.members
                   if p.role in (PARENT, PARENT_IN_LAW) and p.age >= 60]
        for person in self.rng.sample(parents, min(DEAD_COUNT, len(parents))):
            person.status = DEAD
        grown = [p for c in cards for p in c.members
                 if p.role == CHILD and p.marital == SINGLE and p.age >= 19]
        for person in self.rng.sample(grown, min(MOVED_COUNT, len(grown))):
            person.status = MOVED

    def program_rolls(self, cards: list[Card]) -> dict[str, list[tuple[str, str]]]:
        """PKH and BPNT by family card, KIS by person: drawn among the poor families only."""
        rolls: dict[str, list[tuple[str, str]]] = {"PKH": [], "BPNT": [], "KIS": []}
        kis_cards: set[str] = set()
        for card in (c for c in cards if c.poor):
            in_pkh = pkh_eligible(card) and self.rng.random() < 0.4
            if in_pkh:  # card numbers go on from the hand-written 0001 and 0002
                rolls["PKH"].append((card.key, f"PKH-3517-{len(rolls['PKH']) + 3:04d}"))
            if self.rng.random() < (0.7 if in_pkh else 0.25):  # PKH families mostly get BPNT too
                rolls["BPNT"].append((card.key, f"KKS-3517-{len(rolls['BPNT']) + 3:04d}"))
            for person in card.members:
                if person.status == ALIVE and self.rng.random() < 0.7:
                    rolls["KIS"].append((person.nik, self.kis_card(kis_cards)))
        return rolls

    def kis_card(self, taken: set[str]) -> str:
        """A 13-digit KIS card number starting 0002 (the hand-written ones start 0001), unused."""
        number = f"0002{self.rng.randrange(10**9):09d}"
        while number in taken:
            number = f"0002{self.rng.randrange(10**9):09d}"
        taken.add(number)
        return number


def pkh_eligible(card: Card) -> bool:
    """PKH helps families with children of school age or younger, or with elderly members."""
    ages = [p.age for p in card.members if p.status == ALIVE]
    return any(age < 19 or age >= 70 for age in ages)
