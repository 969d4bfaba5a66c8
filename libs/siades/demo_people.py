"""One generated resident of the demo village: name, birthplace, schooling and work that fit.

demo_village.py decides who lives on a family card (role, sex, birth date, marital status);
`describe()` fills in the rest, drawing from the seeded Random and Faker it is given. Weights are
keyed by OpenSID's own names (lookups.py), so the tables read as the registry shows them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from libs.siades.lookups import LOOKUPS

CENSUS_DATE = date(2025, 7, 1)  # the registry's "today": ages and issue dates are as of this day

# Codes of lookups.py.
MALE, FEMALE = 1, 2  # tweb_penduduk_sex
HEAD, HUSBAND, WIFE, CHILD = 1, 2, 3, 4  # KEPALA KELUARGA, SUAMI, ISTRI, ANAK
CHILD_IN_LAW, GRANDCHILD, PARENT, PARENT_IN_LAW, RELATIVE = 5, 6, 7, 8, 9  # MENANTU ... FAMILI LAIN
SINGLE, MARRIED, DIVORCED, WIDOWED = 1, 2, 3, 4  # BELUM KAWIN, KAWIN, CERAI HIDUP, CERAI MATI
ALIVE, DEAD, MOVED = 1, 2, 3  # tweb_status_dasar: HIDUP, MATI, PINDAH
ISLAM = 1
RELIGIONS = {ISLAM: 95, 2: 3, 3: 2}  # ISLAM, KRISTEN, KATHOLIK: Jombang is overwhelmingly Muslim

JOB = {name: code for code, name in LOOKUPS["tweb_penduduk_pekerjaan"]}
EDUCATION = {name: code for code, name in LOOKUPS["tweb_penduduk_pendidikan_kk"]}
HIGH_SCHOOL = EDUCATION["SLTA / SEDERAJAT"]
DIPLOMA = EDUCATION["AKADEMI/ DIPLOMA III/S. MUDA"]

BIRTHPLACES = {"JOMBANG": 80, "MOJOKERTO": 5, "KEDIRI": 4, "NGANJUK": 3, "LAMONGAN": 3,
               "SURABAYA": 3, "MALANG": 2}
# Faker's id_ID names mix every region of Indonesia. Never drawn here: Batak and Ambonese clan
# names, titles and Balinese birth-order names (rare in a Javanese village); in Muslim families
# also the Western and Christian first names.
NOT_LOCAL = {
    "Dabukke", "Damanik", "Dongoran", "Hutagalung", "Hutapea", "Hutasoit", "Latupono",
    "Mangunsong", "Manullang", "Marbun", "Marpaung", "Nababan", "Nainggolan", "Napitupulu",
    "Samosir", "Saragih", "Sihombing", "Sihotang", "Simanjuntak", "Simbolon", "Sinaga", "Sirait",
    "Siregar", "Sitompul", "Sitorus", "Situmorang", "Tamba", "Tampubolon", "Tarihoran", "Namaga",
    "Raden", "Pangeran", "Opung", "Nyoman", "Putu", "Xanana", "Kairav", "Ciaobella", "Queen",
}
CHRISTIAN_NAMES = {
    "Agnes", "Anastasia", "Aurora", "Belinda", "Bella", "Betania", "Calista", "Carla", "Chelsea",
    "Cindy", "Cinthia", "Clara", "Cornelia", "Gabriella", "Jane", "Janet", "Jessica", "Julia",
    "Karen", "Kezia", "Maria", "Melinda", "Michelle", "Natalia", "Nadine", "Oliva", "Olivia",
    "Ophelia", "Paris", "Patricia", "Paulin", "Rachel", "Sakura", "Vanesa", "Victoria", "Violet",
    "Zelaya", "Zelda", "Edison", "Edward", "Elon", "Elvin", "Emil", "Erik", "Ian", "Ivan", "Leo",
    "Luis", "Oskar", "Simon", "Viktor", "Vinsen", "Yosef", "Kenzie",
}

# The school a child is in: (below this age, pendidikan_kk).
SCHOOL_BY_AGE = [
    (7, "TIDAK / BELUM SEKOLAH"), (13, "BELUM TAMAT SD/SEDERAJAT"), (16, "TAMAT SD / SEDERAJAT"),
    (19, "SLTP/SEDERAJAT"),
]
# The most schooling a young adult can have finished: (below this age, pendidikan_kk).
MOST_SCHOOLING_BY_AGE = [
    (21, "SLTA / SEDERAJAT"), (22, "DIPLOMA I / II"), (23, "AKADEMI/ DIPLOMA III/S. MUDA"),
    (25, "DIPLOMA IV/ STRATA I"),
]
# An adult's schooling by birth cohort (born before this year): older people went less.
EDUCATION_BY_COHORT = [
    (1960, {"TIDAK / BELUM SEKOLAH": 15, "BELUM TAMAT SD/SEDERAJAT": 20,
            "TAMAT SD / SEDERAJAT": 40, "SLTP/SEDERAJAT": 15, "SLTA / SEDERAJAT": 8,
            "DIPLOMA IV/ STRATA I": 2}),
    (1980, {"BELUM TAMAT SD/SEDERAJAT": 5, "TAMAT SD / SEDERAJAT": 35, "SLTP/SEDERAJAT": 25,
            "SLTA / SEDERAJAT": 25, "AKADEMI/ DIPLOMA III/S. MUDA": 3,
            "DIPLOMA IV/ STRATA I": 7}),
    (9999, {"TAMAT SD / SEDERAJAT": 8, "SLTP/SEDERAJAT": 20, "SLTA / SEDERAJAT": 47,
            "DIPLOMA I / II": 3, "AKADEMI/ DIPLOMA III/S. MUDA": 5, "DIPLOMA IV/ STRATA I": 15,
            "STRATA II": 2}),
]
MENS_JOBS = {
    "PETANI/PEKEBUN": 12, "BURUH TANI/PERKEBUNAN": 10, "BURUH HARIAN LEPAS": 12, "WIRASWASTA": 10,
    "PEDAGANG": 8, "KARYAWAN SWASTA": 10, "SOPIR": 4, "TUKANG BATU": 4, "TUKANG KAYU": 3,
    "PERDAGANGAN": 3,
}
WOMENS_JOBS = {
    "PETANI/PEKEBUN": 6, "BURUH TANI/PERKEBUNAN": 8, "BURUH HARIAN LEPAS": 6, "WIRASWASTA": 8,
    "PEDAGANG": 12, "KARYAWAN SWASTA": 10, "TUKANG JAHIT": 4, "PERDAGANGAN": 3,
}
MENS_GRADUATE_JOBS = {
    "GURU": 6, "PEGAWAI NEGERI SIPIL (PNS)": 4, "KARYAWAN SWASTA": 5, "WIRASWASTA": 3,
    "PERAWAT": 2,
}
WOMENS_GRADUATE_JOBS = {
    "GURU": 8, "PEGAWAI NEGERI SIPIL (PNS)": 3, "KARYAWAN SWASTA": 4, "BIDAN": 2, "PERAWAT": 2,
}
ELDERLY_JOBS = {"BELUM/TIDAK BEKERJA": 5, "PETANI/PEKEBUN": 3, "PENSIUNAN": 2}
# A head with one of these jobs makes a poor family likely.
LOW_INCOME_JOBS = {JOB[name] for name in (
    "BELUM/TIDAK BEKERJA", "PETANI/PEKEBUN", "BURUH HARIAN LEPAS", "BURUH TANI/PERKEBUNAN",
    "TUKANG BATU",
)}


@dataclass
class Person:
    """One generated resident; `nik` is given once the whole village exists."""

    role: int  # kk_level
    sex: int
    born: date
    marital: int = SINGLE
    name: str = ""
    birth_place: str = "JOMBANG"
    education: int = EDUCATION["TIDAK / BELUM SEKOLAH"]
    occupation: int = JOB["BELUM/TIDAK BEKERJA"]
    status: int = ALIVE
    nik: str = ""

    @property
    def age(self) -> int:
        """Completed years on CENSUS_DATE."""
        return age_on(self.born)


def age_on(born: date, day: date = CENSUS_DATE) -> int:
    """Completed years between `born` and `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def pick(rng: random.Random, weights: dict):
    """One key of `weights`, drawn with those weights."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def describe(person: Person, religion: int, rng: random.Random, faker) -> None:
    """Name, birthplace, education and occupation, consistent with sex, age and marriage."""
    person.name = name(person.sex, religion, rng, faker)
    person.birth_place = pick(rng, BIRTHPLACES) if person.age >= 18 else "JOMBANG"
    person.education = education(person.born, rng)
    person.occupation = occupation(person, rng)


def name(sex: int, religion: int, rng: random.Random, faker) -> str:
    """An Indonesian name, upper-cased as OpenSID stores names; often a single name."""
    unwanted = NOT_LOCAL | (CHRISTIAN_NAMES if religion == ISLAM else set())
    if sex == MALE:
        first = draw(faker.first_name_male, unwanted)
        last = draw(faker.last_name_male, unwanted)
    else:
        first = draw(faker.first_name_female, unwanted)
        last = draw(faker.last_name_female, unwanted)
    return (first if rng.random() < 0.35 else f"{first} {last}").upper()


def draw(provider, unwanted: set[str]) -> str:
    """provider(), called again until the name is not one of `unwanted`."""
    drawn = provider()
    while drawn in unwanted:
        drawn = provider()
    return drawn


def education(born: date, rng: random.Random) -> int:
    """pendidikan_kk: the school a child is in by age, an adult's by birth cohort."""
    age = age_on(born)
    for below, level in SCHOOL_BY_AGE:
        if age < below:
            return EDUCATION[level]
    weights = next(w for before, w in EDUCATION_BY_COHORT if born.year < before)
    level = EDUCATION[pick(rng, weights)]
    for below, most in MOST_SCHOOLING_BY_AGE:
        if age < below:
            return min(level, EDUCATION[most])
    return level


def occupation(person: Person, rng: random.Random) -> int:
    """pekerjaan: children at school, then work that fits sex, schooling and age."""
    studying = (person.marital == SINGLE and person.education >= HIGH_SCHOOL
                and rng.random() < 0.4)
    if person.age < 7:  # not at school yet
        return JOB["BELUM/TIDAK BEKERJA"]
    if person.age < 19 or (person.age < 23 and studying):
        return JOB["PELAJAR/MAHASISWA"]
    if person.age >= 65:
        weights = dict(ELDERLY_JOBS)
        if person.education < HIGH_SCHOOL:
            weights["PENSIUNAN"] = 0  # pensions come with jobs that needed school
        return JOB[pick(rng, weights)]
    if person.sex == FEMALE and person.marital != SINGLE and rng.random() < 0.5:
        return JOB["MENGURUS RUMAH TANGGA"]
    graduate = person.education >= DIPLOMA
    if person.sex == FEMALE:
        return JOB[pick(rng, WOMENS_GRADUATE_JOBS if graduate else WOMENS_JOBS)]
    return JOB[pick(rng, MENS_GRADUATE_JOBS if graduate else MENS_JOBS)]
