"""Print a letter through a live OpenSID v2410 admin over HTTP, the way an operator's browser does.

Stdlib only, on top of `admin.py` from ../shared/opensid/v2410 (its `Admin` session: login,
cookies, CSRF, Referer). Two flows:

- `print_letter(admin, url_surat, resident_id, fields)`: Layanan Surat > Cetak Surat > Buat Surat:
  GET surat/form/{url} -> (the resident picker's AJAX) GET datasuratpenduduk/index ->
  POST surat/pratinjau/{url} (the draft, "Konsep Surat") -> POST surat/pdf ("Cetak PDF").
- `print_request(admin, permohonan_id)`: Permohonan Surat > Periksa > "Lanjutkan Cetak" > "Cetak
  PDF": GET permohonan_surat_admin/periksa/{id} -> POST surat/pratinjau/{url}/{id} (OpenSID sets
  permohonan_surat.status 1 -> 2 here) -> POST surat/pdf.

Both return `(pdf_bytes, log_surat_id)`: surat/pdf answers the PDF (saved by OpenSID under
desa/arsip/) with an `id_arsip` header naming the log_surat row it wrote (status 1 Cetak).

The forms are serialised as a browser would after OpenSID's JavaScript ran: disabled controls
and unchecked boxes are left out, a single <select> without a selected option sends its first
option, a multiple one sends nothing; the JavaScript's own effects are applied by hand (the
resident picked in the select2, the validity dates the date pickers fill in, the signer's
`pamong_id` disabled unless "u.b", and on the periksa page the resident's `isian_form` copied into
the fields of the same name).

    admin = OpenSIDApp(...).admin()  # tests/support/opensid_app.py: logged in
    pdf, log_id = print_letter(admin, "surat-keterangan-belum-pernah-menikah", 2,
                               {"keperluan": "Persyaratan menikah di KUA"})
"""

from __future__ import annotations

import calendar
import html
import json
import re
import urllib.parse
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser

from libs.siades.letter_forms import FORM_METADATA

# OpenSID's dates are Asia/Jakarta (WIB, UTC+7, no daylight saving).
WIB = timezone(timedelta(hours=7), "WIB")

# Keys the periksa page removes from isian_form before its JavaScript copies the rest into the
# form (Permohonan_surat_admin::ambil_isi_form).
PERIKSA_DROPS = FORM_METADATA


class OpenSIDPrintError(RuntimeError):
    """A step of the print flow did not answer what a browser would get."""


# --- forms, as a browser submits them -------------------------------------------------------

class Control:
    """One named form control: input, select or textarea."""

    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs = tag, attrs
        self._none = False  # a select whose .val() matched no option sends nothing
        self.name = attrs.get("name") or ""
        self.type = (attrs.get("type") or ("text" if tag == "input" else tag)).lower()
        self.disabled = "disabled" in attrs
        self.multiple = "multiple" in attrs
        self.checked = "checked" in attrs
        self.value = attrs.get("value") or ""
        self.options: list[tuple[str, bool]] = []  # select: (value, selected)

    def set(self, value: str) -> None:
        """What jQuery's .val(value) does: a select keeps only an existing option."""
        if self.tag == "select":
            have = [v for v, _ in self.options]
            self.options = [(v, v == value) for v in have]
            self._none = value not in have
        else:
            self.value = value

    def pairs(self) -> list[tuple[str, str]]:
        if not self.name or self.disabled:
            return []
        if self.tag == "select":
            if self._none:
                return []
            chosen = [v for v, sel in self.options if sel]
            if not self.multiple:
                # several `selected` options: the last one wins; none: the first option
                chosen = chosen[-1:] or [v for v, _ in self.options[:1]]
            return [(self.name, v) for v in chosen]
        if self.type in ("checkbox", "radio"):
            return [(self.name, self.value or "on")] if self.checked else []
        if self.type in ("submit", "button", "reset", "image", "file"):
            return []
        return [(self.name, self.value)]


class Form:
    """The controls of one <form> (or of every control in a fragment when form_id is None)."""

    def __init__(self, action: str | None, controls: list[Control]):
        self.action, self.controls = action, controls

    def named(self, name: str) -> list[Control]:
        return [c for c in self.controls if c.name == name]

    def fill(self, name: str, value: str, *, add: bool = True) -> None:
        """Set every control called `name` (as jQuery $('[name=...]').val() does), or add a
        hidden input if there is none and `add`."""
        controls = self.named(name)
        for c in controls:
            c.set(value)
        if not controls and add:
            self.controls.append(Control("input", {"type": "hidden", "name": name, "value": value}))

    def disable(self, name: str) -> None:
        for c in self.named(name):
            c.disabled = True

    def pairs(self) -> list[tuple[str, str]]:
        return [p for c in self.controls for p in c.pairs()]

    def first(self, name: str) -> Control | None:
        found = self.named(name)
        return found[0] if found else None


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.action = form_id, form_id is None, None
        self.controls: list[Control] = []
        self._select: Control | None = None
        self._option: list | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and self.form_id is not None and a.get("id") == self.form_id:
            self.inside, self.action = True, a.get("action")
            return
        if not self.inside:
            return
        if tag == "input":
            self.controls.append(Control("input", a))
        elif tag == "select":
            self._select = Control("select", a)
            self.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = [a.get("value"), "selected" in a, ""]
        elif tag == "textarea":
            self._textarea = Control("textarea", a)
            self._textarea.value = ""
            self.controls.append(self._textarea)

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select.options.append((value if value is not None else text.strip(), selected))
        self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # a browser drops one newline right after <textarea>
            if self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None
        elif tag == "form" and self.form_id is not None and self.inside:
            self.inside = False


def parse_form(page: str, form_id: str | None = "validasi") -> Form:
    """The form `form_id` of an HTML page; None: every control of an HTML fragment."""
    p = _FormParser(form_id)
    p.feed(page)
    p.close()
    if form_id is not None and p.action is None:
        raise OpenSIDPrintError(f"no <form id={form_id!r}> on the page")
    return Form(p.action, p.controls)


def _textarea_by_id(page: str, element_id: str) -> str | None:
    pattern = rf'<textarea[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</textarea>'
    m = re.search(pattern, page, re.S)
    return html.unescape(m.group(1)) if m else None


# --- what OpenSID's JavaScript does --------------------------------------------------------

def _add_period(start: date, amount: int, unit: str) -> date:
    """moment(start).add(amount, unit) for OpenSID's units d/w/M/y (month ends clamp)."""
    if unit == "d":
        return start + timedelta(days=amount)
    if unit == "w":
        return start + timedelta(weeks=amount)
    months = amount * (12 if unit == "y" else 1) if unit in ("M", "y") else 0
    if not months:
        return start
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _validity(form: Form, start_name: str, end_name: str, today: date | None = None) -> None:
    """The date pickers: start = today, end = today + masa berlaku (data-* of the end field)."""
    today = today or datetime.now(WIB).date()
    start, end = form.first(start_name), form.first(end_name)
    if start is not None and not start.value:
        start.value = today.strftime("%d-%m-%Y")
    if end is not None and not end.value:
        amount = int(end.attrs.get("data-masa-berlaku") or 0)
        unit = end.attrs.get("data-satuan-masa-berlaku") or "M"
        end.value = _add_period(today, amount, unit).strftime("%d-%m-%Y")


def _signer(form: Form, atas_nama: str | None, pamong_id: str | None) -> None:
    """#atas_nama and ganti_ttd(): '' (the village head) and 'a.n' disable #pamong (the server
    picks the signer); 'u.b' needs a pamong_id."""
    select = form.first("pilih_atas_nama")
    if atas_nama is not None:
        offered = [v for v, _ in select.options] if select else []
        if atas_nama not in offered:
            raise OpenSIDPrintError(f"no signer choice {atas_nama!r}; the form offers {offered}")
        select.set(atas_nama)
    chosen = dict(select.pairs()).get("pilih_atas_nama", "") if select else ""
    if "u.b" in chosen:
        if not pamong_id:
            raise OpenSIDPrintError("'u.b' needs a pamong_id")
        form.fill("pamong_id", str(pamong_id), add=False)
    else:
        form.disable("pamong_id")


def _check(resp, what: str, code: int = 200):
    if resp.code != code:
        raise OpenSIDPrintError(f"{what}: HTTP {resp.code} {resp.location or ''}".strip())
    return resp


def _draft_to_pdf(admin, draft_page: str, referer: str) -> tuple[bytes, int]:
    """The Konsep Surat page: its TinyMCE textarea `isi_surat` as is, POSTed to surat/pdf as the
    "Cetak PDF" button's AJAX does. Returns the PDF and the log_surat id OpenSID wrote."""
    konsep = parse_form(draft_page, "validasi")
    if konsep.first("isi_surat") is None:
        raise OpenSIDPrintError("the draft page has no isi_surat")
    admin.last_referer = referer
    resp = admin.post("surat/pdf", konsep.pairs(), follow=False,
                      headers={"X-Requested-With": "XMLHttpRequest"})
    _check(resp, "POST surat/pdf")
    body = resp.body
    if not body.startswith(b"%PDF-"):
        raise OpenSIDPrintError(f"surat/pdf answered {resp.headers.get('Content-Type')!r}, "
                                f"not a PDF: {body[:200]!r}")
    arsip = resp.headers.get("id_arsip")
    if not arsip:
        raise OpenSIDPrintError("surat/pdf sent no id_arsip header")
    return body, int(arsip)


# --- the two flows ------------------------------------------------------------------------

def draft_letter(admin, url_surat: str, resident_id: int, fields: dict[str, str], *,
                 atas_nama: str | None = None, pamong_id: str | None = None,
                 nomor: str | None = None, today: date | None = None):
    """Buat Surat up to the draft: returns (form page, posted fields, draft page). The draft
    (Konsep Surat) shows the letter with OpenSID's placeholders replaced."""
    form_path = f"surat/form/{url_surat}"
    admin.last_referer = admin.site + "/surat"
    page = _check(admin.get(form_path), f"GET {form_path}")
    form = parse_form(page.text(), "validasi")
    picker = form.first("individu[nik]")
    if picker is None:
        raise OpenSIDPrintError(f"{form_path} has no resident picker (individu[nik])")
    # select2 adds the picked resident as a selected <option>, then loadDataPenduduk() fetches the
    # resident's block, whose hidden input `nik` (= tweb_penduduk.id) joins the form.
    picker.options = [(str(resident_id), True)]
    admin.last_referer = page.url
    q = urllib.parse.urlencode({"id_surat": picker.attrs.get("data-surat"),
                                "id_penduduk": resident_id, "kategori": "individu"})
    block = _check(admin.get(f"datasuratpenduduk/index?{q}",
                             headers={"X-Requested-With": "XMLHttpRequest"}),
                   "GET datasuratpenduduk/index")
    fragment = parse_form(json.loads(block.text())["html"], None)
    form.controls += [c for c in fragment.controls if c.name and not c.disabled]
    if form.first("nik") is None:
        raise OpenSIDPrintError(f"resident {resident_id}: no `nik` in OpenSID's resident block")
    for name, value in fields.items():
        if form.first(name) is None:
            raise OpenSIDPrintError(f"{form_path} has no field {name!r}")
        form.fill(name, value)
    if nomor is not None:
        form.fill("nomor", str(nomor), add=False)
    _validity(form, "mulai_berlaku", "berlaku_sampai", today)
    _signer(form, atas_nama, pamong_id)
    posted = form.pairs()
    admin.last_referer = page.url
    draft = _check(admin.post(form.action, posted, follow=False), f"POST {form.action}")
    return page, posted, draft


def print_letter(admin, url_surat: str, resident_id: int, fields: dict[str, str], *,
                 atas_nama: str | None = None, pamong_id: str | None = None,
                 nomor: str | None = None, today: date | None = None) -> tuple[bytes, int]:
    """The admin's Cetak Surat flow for `url_surat` (tweb_surat_format.url_surat) and resident
    `resident_id` (tweb_penduduk.id), with the letter's form fields by their form names (the
    field's nama lower-cased, spaces as underscores: {"keperluan": "..."}).

    atas_nama: the "Tertanda Atas Nama" choice ('' village head, the form's default; 'a.n';
    'u.b' with pamong_id); nomor: the letter number (default: the next one OpenSID offers).
    Returns (pdf_bytes, log_surat.id)."""
    page, _, draft = draft_letter(admin, url_surat, resident_id, fields, atas_nama=atas_nama,
                                  pamong_id=pamong_id, nomor=nomor, today=today)
    return _draft_to_pdf(admin, draft.text(), draft.url)


def periksa_form(admin, permohonan_id: int, today: date | None = None):
    """The admin's periksa page of a request (status 1 only) and its form #validasi, filled as
    the page's JavaScript fills it from permohonan_surat.isian_form. Returns (page, form,
    isian_form as the page carries it)."""
    admin.last_referer = admin.site + "/permohonan_surat_admin"
    page = _check(admin.get(f"permohonan_surat_admin/periksa/{permohonan_id}"),
                  f"GET permohonan_surat_admin/periksa/{permohonan_id}")
    text = page.text()
    form = parse_form(text, "validasi")
    isian = json.loads(_textarea_by_id(text, "isian_form") or "{}")
    # $("#periksa-permohonan .readonly-periksa").attr('disabled', true): the nik <select>
    for c in form.named("nik"):
        if c.tag == "select":
            c.disabled = True
    for key, value in isian.items():
        if key and key not in PERIKSA_DROPS and not isinstance(value, (dict, list)):
            form.fill(key, "" if value is None else str(value), add=False)
    _validity(form, "berlaku_dari", "berlaku_sampai", today)
    return page, form, isian


def print_request(admin, permohonan_id: int, fields: dict[str, str] | None = None, *,
                  atas_nama: str | None = None, pamong_id: str | None = None,
                  today: date | None = None) -> tuple[bytes, int]:
    """The operator's flow for a letter request: periksa -> "Lanjutkan Cetak" (POST
    surat/pratinjau/{url}/{id}, which sets permohonan_surat.status 1 -> 2) -> "Cetak PDF".
    `fields` override what the page took from isian_form. Returns (pdf_bytes, log_surat.id);
    OpenSID links the two by permohonan_surat.isian_form.nomor == log_surat.no_surat."""
    page, form, _ = periksa_form(admin, permohonan_id, today)
    for name, value in (fields or {}).items():
        form.fill(name, value)
    _signer(form, atas_nama, pamong_id)
    posted = form.pairs() + [("submit_cetak", "cetak_pdf")]  # tambah_elemen_cetak('cetak_pdf')
    admin.last_referer = page.url
    draft = _check(admin.post(form.action, posted, follow=False), f"POST {form.action}")
    return _draft_to_pdf(admin, draft.text(), draft.url)
