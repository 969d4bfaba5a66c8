"""Every sentence a resident reads, in one place (Bahasa Indonesia, Telegram HTML; the letters'
verification page's in web HTML).

Values that come from residents or the registry are escaped by the caller with
`libs.formatting.escape` before they are put in; these templates hold only trusted markup.
The words they share with the code (states, kinds, callback words) are libs/vocabulary's.
"""

from libs.vocabulary import callbacks, complaints, kinds, programs, states
from libs.vocabulary.states import RequestState

MAIN_MENU = {
    "keyboard": [
        [{"text": "Biodata"}, {"text": "Keluarga"}, {"text": "Surat"}],
        [{"text": "PKH"}, {"text": "BPNT"}, {"text": "KIS"}],
        [{"text": "Aduan"}, {"text": "Status"}],
    ],
    "resize_keyboard": True,
    "is_persistent": True,
}

REGISTER_MENU = {
    "keyboard": [[{"text": "Daftar"}]],
    "resize_keyboard": True,
    "is_persistent": True,
}

WELCOME_REGISTERED = (
    "Selamat datang, <b>{name}</b>.\n"
    "Silakan pilih layanan pada menu di bawah:\n"
    "• <b>Biodata</b> – data diri Anda\n"
    "• <b>Keluarga</b> – anggota keluarga dalam Kartu Keluarga\n"
    "• <b>Surat</b> – pengajuan surat keterangan\n"
    "• <b>PKH</b>, <b>BPNT</b>, <b>KIS</b> – kepesertaan bantuan sosial\n"
    "• <b>Aduan</b> – sampaikan keluhan atau laporan kepada kantor desa\n"
    "• <b>Status</b> – surat dan aduan Anda beserta keadaannya"
)

HOW_TO_REGISTER = (
    "Untuk mendaftar, ketik:\n"
    "<code>DAFTAR#NIK#No KK</code>\n"
    "dengan <b>NIK</b> dan <b>No KK</b> diganti angka Anda sendiri, masing-masing 16 angka:\n"
    "• <b>NIK</b> tertulis di KTP Anda, di baris NIK di bawah nama provinsi dan kabupaten.\n"
    "• <b>No KK</b> tertulis di bagian atas Kartu Keluarga, di bawah judul KARTU KELUARGA.\n"
    "Angka boleh ditulis dengan spasi atau titik."
)

WELCOME_UNREGISTERED = (
    "Selamat datang di layanan Telegram <b>{village}</b>.\n"
    "Di sini Anda dapat melihat data kependudukan Anda dan keluarga, kepesertaan bantuan "
    "sosial, serta mengajukan surat keterangan.\n\n"
    "Akun Telegram Anda belum terhubung dengan data penduduk. " + HOW_TO_REGISTER
)

NOT_REGISTERED = "Akun Telegram Anda belum terdaftar.\n" + HOW_TO_REGISTER

REGISTER_BAD_FORMAT = (
    "Format pendaftaran kurang tepat.\n" + HOW_TO_REGISTER
)
REGISTER_BAD_NIK = (
    "NIK harus 16 angka (tertulis: {given} angka). Periksa kembali KTP Anda.\n"
    + HOW_TO_REGISTER
)
REGISTER_BAD_KK = (
    "No KK harus 16 angka (tertulis: {given} angka). Periksa kembali Kartu Keluarga Anda.\n"
    + HOW_TO_REGISTER
)
REGISTER_SUCCESS = (
    "Pendaftaran berhasil. Akun Telegram ini sekarang terhubung dengan data "
    "<b>{name}</b> (NIK {nik}).\n\n" + WELCOME_REGISTERED
)
REGISTER_EXAMPLE_COPIED = (
    "Itu masih contoh penulisan, bukan NIK dan No KK Anda. Percobaan ini tidak dihitung.\n"
    + HOW_TO_REGISTER
)
# One refusal for a wrong pair, a resident who died or moved, and a resident whose data is
# already linked to another account: it never says whether the NIK exists.
REGISTER_NO_MATCH = (
    "Pendaftaran gagal: NIK dan No KK tersebut tidak dapat dihubungkan dengan akun "
    "ini. Periksa kembali angka pada KTP dan Kartu Keluarga Anda. Sisa kesempatan: {left} kali. "
    "Jika angkanya sudah benar (misalnya Anda berganti akun Telegram), silakan datang ke kantor "
    "desa dengan membawa KTP dan Kartu Keluarga."
)
# The same for a locked account and a NIK tried too often from any accounts.
REGISTER_LOCKED = (
    "Terlalu banyak percobaan pendaftaran yang gagal. Demi keamanan data penduduk, pendaftaran "
    "dikunci sampai {until}. Jika Anda kesulitan, silakan datang ke kantor desa dengan "
    "membawa KTP dan Kartu Keluarga."
)
ALREADY_REGISTERED_SELF = (
    "Akun Telegram ini sudah terhubung dengan data <b>{name}</b>. Tidak perlu mendaftar lagi."
)
CHAT_LINKED_TO_OTHER = (
    "Akun Telegram ini sudah terhubung dengan data penduduk lain. Satu akun Telegram hanya "
    "untuk satu penduduk. Untuk mengubahnya, silakan hubungi kantor desa."
)

BIODATA = (
    "<b>Biodata Penduduk</b>\n"
    "Nama: <b>{name}</b>\n"
    "NIK: {nik}\n"
    "Tempat/Tgl Lahir: {birth}\n"
    "Jenis Kelamin: {sex}\n"
    "Agama: {religion}\n"
    "Status Perkawinan: {marital_status}\n"
    "Pendidikan: {education}\n"
    "Pekerjaan: {occupation}\n"
    "Kewarganegaraan: {citizenship}\n"
    "Hubungan dalam Keluarga: {family_role}\n"
    "Alamat: {address}"
)

FAMILY = (
    "<b>Data Keluarga</b>\n"
    "No KK: {no_kk}\n"
    "Alamat: {address}\n\n"
    "<b>Anggota keluarga ({count} orang):</b>\n{members}"
)
FAMILY_MEMBER = "{index}. {name} – {role}, {sex}, {age}"
FAMILY_NONE = "Data Kartu Keluarga Anda tidak ditemukan. Silakan hubungi kantor desa."

PROGRAM_MEMBER = (
    "<b>{service}</b>: Anda <b>terdaftar</b> sebagai penerima saat ini.\n{entries}"
)
PROGRAM_NOT_CURRENT = (
    "<b>{service}</b>: Anda <b>bukan penerima saat ini</b>. Kepesertaan yang tercatat:\n"
    "{entries}\nJika menurut Anda ada kekeliruan, silakan hubungi kantor desa."
)
PROGRAM_ENTRY = "• {program} – kartu {card}, periode {start} s.d. {end} ({state})"
PROGRAM_STATES = {  # by programs.standing(): the dates alone do not make a current recipient
    programs.CURRENT: "sedang berjalan",
    programs.ENDED: "sudah berakhir",
    programs.NOT_STARTED: "belum dimulai",
    programs.INACTIVE: "program tidak aktif",
}
PROGRAM_NOT_MEMBER = (
    "<b>{service}</b>: Anda <b>tidak terdaftar</b> sebagai penerima {service} di desa ini. "
    "Jika menurut Anda ada kekeliruan, silakan hubungi kantor desa."
)
PROGRAM_UNKNOWN = (
    "Program <b>{service}</b> belum tercatat di data desa, sehingga kepesertaan belum dapat "
    "diperiksa. Silakan tanyakan ke kantor desa."
)

UNKNOWN_COMMAND = (
    "Maaf, perintah tidak dikenali. Pilih layanan pada menu di bawah, atau ketik "
    "<b>Menu</b> untuk melihat daftar layanan."
)
UNKNOWN_COMMAND_UNREGISTERED = "Maaf, perintah tidak dikenali.\n" + NOT_REGISTERED

# The kinds (libs/vocabulary/kinds.py: code, title, button) listed, then one button each that
# starts the guided request for that kind.
LETTER_KINDS = (
    "<b>Layanan Surat</b>\n"
    "Pilih jenis surat, atau ketik kodenya, untuk melihat cara pengajuannya:"
    + "".join(f"\n• <b>{kind.code}</b> – {kind.title}" for kind in kinds.KINDS.values())
)
LETTER_KIND_BUTTONS = {
    "inline_keyboard": [
        [{"text": kinds.KINDS[code].button, "callback_data": callbacks.draft(code)}
         for code in row]
        for row in kinds.BUTTON_ROWS
    ]
}
# Each field a letter kind asks (libs/siades/letter_kinds.py): its label, which the one-line
# syntax also shows (`SKU#bentuk usaha#tujuan surat#kegunaan surat`), and its question.
LETTER_FIELDS = {
    "usaha": ("bentuk usaha", "Apa bentuk usaha Anda?"),
    "tujuan": ("tujuan surat", "Surat ini ditujukan kepada siapa/instansi apa?"),
    "kegunaan": ("kegunaan surat", "Surat ini untuk keperluan apa?"),
    "keterangan": ("keterangan", "Apa yang perlu diterangkan dalam surat ini?"),
}
# A field only the village's format has, which the format does not describe.
LETTER_FIELD_QUESTION = "{label}?"
# A request of a format residents do not request in the chat: in a sentence, and heading a
# line of the status list.
LETTER_UNNAMED = "surat"
LETTER_UNNAMED_ENTRY = "Surat"
LETTER_HOW_TO = (
    "<b>{title}</b>\n"
    "Untuk pengajuan surat ini ketik <code>{syntax}</code>\n"
    "Contoh: <code>{example}</code>\n"
    "Atau tekan tombol di bawah untuk mengisinya langkah demi langkah."
)
LETTER_HOW_TO_BUTTON = "Isi {code} langkah demi langkah"
LETTER_FIELD_MISSING = (
    "Permohonan belum lengkap: <b>{label}</b> belum diisi.\n"
    "Ketik <code>{syntax}</code>\nContoh: <code>{example}</code>"
)
LETTER_TOO_MANY_FIELDS = (
    "Isian permohonan terlalu banyak: {code} memerlukan {count} isian.\n"
    "Ketik <code>{syntax}</code>\nContoh: <code>{example}</code>"
)
LETTER_FIELD_TOO_SHORT = "<b>{label}</b> terlalu pendek: tulis paling sedikit {minimum} huruf."
LETTER_FIELD_TOO_LONG = (
    "<b>{label}</b> terlalu panjang: paling banyak {maximum} huruf (Anda menulis {length})."
)
LETTER_FIELD_NOT_NUMBER = "<b>{label}</b> harus berupa angka, misalnya <code>3</code>."
LETTER_FIELD_NOT_DATE = (
    "<b>{label}</b> harus berupa tanggal dengan format tanggal-bulan-tahun, misalnya "
    "<code>17-08-1990</code>."
)
LETTER_FIELD_NOT_TIME = "<b>{label}</b> harus berupa jam, misalnya <code>08:30</code>."
LETTER_FIELD_NOT_CHOICE = "<b>{label}</b> harus salah satu dari: {choices}."
LETTER_FIELD_CHOICES = "Pilihan: {choices}."
LETTER_FIELD_OPTIONAL = "Boleh dikosongkan: ketik <code>-</code> untuk melewati."
LETTER_UNAVAILABLE = (
    "Maaf, <b>{title}</b> belum dapat diajukan melalui Telegram karena formatnya belum "
    "tersedia di data desa. Silakan hubungi kantor desa."
)
LETTER_NOT_FOR_MARITAL_STATUS = (
    "Maaf, <b>{title}</b> tidak dapat diajukan: menurut data desa status perkawinan Anda "
    "<b>{status}</b>, sedangkan surat ini hanya untuk yang belum pernah kawin. Jika data itu "
    "keliru, silakan hubungi kantor desa untuk memperbaikinya."
)
LETTER_SUBMITTED = (
    "Permohonan <b>{title}</b> nomor <b>{number}</b> berhasil diajukan, silakan menunggu "
    "notifikasi prosesnya.\n{fields}"
)
LETTER_PENDING = (
    "Anda masih memiliki permohonan <b>{title}</b> nomor <b>{number}</b> (diajukan {date}) "
    "yang sedang diproses: <b>{state}</b>. Permohonan baru dapat diajukan setelah permohonan "
    "itu selesai. Tekan <b>Lihat status</b> untuk melihatnya, atau batalkan permohonan itu "
    "lebih dulu bila tidak diperlukan lagi."
)
LETTER_PENDING_INCOMPLETE = (
    "Anda masih memiliki permohonan <b>{title}</b> nomor <b>{number}</b> (diajukan {date}) "
    "yang dikembalikan kantor desa untuk dilengkapi. Tekan <b>Lengkapi permohonan</b> untuk "
    "memperbaikinya, atau batalkan permohonan itu bila tidak diperlukan lagi."
)
LETTER_STATUS_BUTTON = {"text": "Lihat status", "callback_data": callbacks.STATUS}
LETTER_CANCEL_ASK_BUTTON = "Batalkan permohonan {number}"  # `Batal <id>`: the confirmation
LETTER_COMPLETE_BUTTON = "Lengkapi permohonan"  # callback `AJUKAN LENGKAPI <id>`
LETTER_FIELD_LINE = "• {label}: {value}"
LETTER_STATES = states.STATUS_NAMES  # OpenSID's names, as the staff console shows them too
# Status 5 as the resident reads it (services/letter_service/letter_requests.py `ending`).
LETTER_END_STATES = {"cancelled": "Dibatalkan", "rejected": "Ditolak", "withdrawn": "Dicabut"}
LETTER_STATUS_HEADER = "<b>Permohonan surat Anda</b>"
LETTER_STATUS_ENTRY = (
    "• <b>{number}</b> {title}: <b>{state}</b>\n  diajukan {submitted}, diperbarui {updated}"
)
LETTER_STATUS_NOTE = "\n  Keterangan: {note}"
LETTER_STATUS_MISSING = (
    "\n  Perlu dilengkapi: {note}\n  Tekan <b>Lengkapi permohonan</b> di bawah untuk "
    "memperbaiki isian dan mengirimnya kembali."
)
LETTER_STATUS_MISSING_UNSAID = (
    "\n  Dikembalikan kantor desa untuk dilengkapi. Tekan <b>Lengkapi permohonan</b> di bawah, "
    "atau tanyakan ke kantor desa apa yang kurang."
)
LETTER_STATUS_REASON = "\n  Alasan penolakan: {note}"
LETTER_STATUS_CANCELLED_BY_YOU = "\n  Dibatalkan oleh Anda."
# `Batal` with a request in process: it is cancelled only by the confirming button.
LETTER_CANCEL_CONFIRM = (
    "Batalkan permohonan <b>{title}</b> nomor <b>{number}</b> (diajukan {date}, saat ini "
    "<b>{state}</b>)? Permohonan yang dibatalkan tidak dapat dilanjutkan; untuk surat yang "
    "sama Anda perlu mengajukan permohonan baru."
)
LETTER_CANCEL_YES_BUTTON = "Ya, batalkan permohonan {number}"  # `AJUKAN BATALKAN <id>`
LETTER_CANCEL_NO_BUTTON = "Tidak, lanjutkan"  # `AJUKAN LANJUTKAN <id>`
LETTER_CANCELLED = (
    "Permohonan <b>{title}</b> nomor <b>{number}</b> telah dibatalkan. Ketik <b>Surat</b> "
    "bila Anda ingin mengajukan permohonan baru."
)
LETTER_CANCEL_KEPT = (
    "Permohonan <b>{title}</b> nomor <b>{number}</b> tidak dibatalkan dan tetap diproses: "
    "<b>{state}</b>."
)
LETTER_CANCEL_NONE = "Tidak ada permohonan surat yang sedang diproses."
LETTER_CANCEL_SIGNED = (
    "Surat <b>{title}</b> nomor <b>{number}</b> sudah ditandatangani dan tidak dapat "
    "dibatalkan. Silakan ambil di kantor desa."
)
LETTER_CANCEL_NOTE = "Dibatalkan oleh pemohon melalui Telegram"
# A tap on a button whose moment has passed (answerCallbackQuery's text: plain, <= 200).
SPENT_CANCEL = "Permohonan {number} tidak dapat dibatalkan lagi: {state}."
SPENT_COMPLETE = "Permohonan {number} tidak perlu dilengkapi lagi: {state}."
SPENT_KEEP = "Permohonan {number}: {state}."
SPENT_DRAFT = (
    "Pengisian ini sudah selesai. Permohonan terakhir Anda: nomor {number}, {title}, {state}."
)
SPENT_DRAFT_NONE = "Pengisian ini sudah selesai. Ketik Surat untuk memulai yang baru."
SPENT_UNKNOWN = "Permohonan ini tidak ditemukan."

# The guided request: one question per field, then a summary to send or change.
DRAFT_QUESTION = "<b>{title}</b> ({step}/{steps})\n{question}\n<i>Ketik jawaban Anda.</i>"
DRAFT_SUMMARY = (
    "<b>Periksa permohonan Anda</b>\n{title}\n{fields}\n\n"
    "Tekan <b>Kirim</b> bila sudah benar, atau pilih isian yang ingin diubah."
)
DRAFT_SUMMARY_COMPLETING = (
    "<b>Lengkapi permohonan nomor {number}</b>\n{title}\n{fields}\n\n{missing}"
    "Pilih isian yang ingin diubah, lalu tekan <b>Kirim</b> untuk mengirimnya kembali ke "
    "kantor desa."
)
DRAFT_MISSING = "Perlu dilengkapi menurut kantor desa: {note}\n\n"
DRAFT_CANCELLED = "Pengisian permohonan dibatalkan."
DRAFT_CANCEL_BUTTON = {"text": "Batalkan pengisian",
                       "callback_data": callbacks.draft(callbacks.DISCARD)}
DRAFT_SEND_BUTTON = {"text": "Kirim", "callback_data": callbacks.draft(callbacks.SEND)}
DRAFT_CHANGE_BUTTON = "Ubah {label}"
LETTER_COMPLETE_AT_OFFICE = (
    "Permohonan nomor <b>{number}</b> tidak dapat dilengkapi melalui Telegram. Silakan "
    "lengkapi di kantor desa."
)
LETTER_RESUBMITTED = (
    "Permohonan <b>{title}</b> nomor <b>{number}</b> sudah dilengkapi dan dikirim kembali ke "
    "kantor desa: <b>Sedang Diperiksa</b>. Silakan menunggu notifikasi prosesnya.\n{fields}"
)

# What the status watcher tells a resident when their request changes state: what happened,
# and what they can do next.
LETTER_STATE_CHANGED = "Permohonan <b>{title}</b> nomor <b>{number}</b>: <b>{state}</b>.\n{detail}"
LETTER_STATE_DETAILS = {
    RequestState.INCOMPLETE: (
        "Kantor desa mengembalikan permohonan ini karena belum lengkap.\n"
        "Perlu dilengkapi: {reason}\n"
        "Tekan <b>Lengkapi permohonan</b> untuk memperbaiki isian dan mengirimnya kembali. "
        "Berkas yang diminta dapat diserahkan di kantor desa."
    ),
    RequestState.CHECKING: (
        "Permohonan sedang diperiksa petugas. Anda akan diberi tahu di sini setiap ada "
        "perubahan; ketik <b>Status</b> untuk melihatnya kapan saja."
    ),
    RequestState.AWAITING_SIGNATURE: (
        "Permohonan sudah diperiksa dan menunggu tanda tangan Kepala Desa. Tidak ada yang perlu "
        "Anda lakukan: Anda akan diberi tahu di sini begitu surat ditandatangani."
    ),
    RequestState.READY: (
        "Surat sudah ditandatangani dan siap diambil di kantor desa. Bawa KTP Anda saat "
        "mengambilnya."
    ),
    RequestState.COLLECTED: (
        "Surat sudah diambil. Terima kasih. Ketik <b>Surat</b> bila Anda memerlukan surat lain."
    ),
}
LETTER_INCOMPLETE_UNSAID = "(tanyakan ke kantor desa)"
# Siap Diambil with our signed PDF (sent right after): the PDF is the letter itself.
LETTER_READY_WITH_PDF = (
    "Surat sudah ditandatangani dan dikirim di bawah ini sebagai PDF. PDF itu adalah surat yang "
    "sah: ditandatangani secara elektronik oleh Kepala Desa, dan siapa pun dapat memeriksa "
    "keasliannya dengan memindai kode QR di dalamnya. Anda tidak perlu ke kantor desa; "
    "cetakan bercap basah hanya perlu diambil (dengan membawa KTP) bila instansi tujuan "
    "meminta surat asli dari kertas."
)
LETTER_ENDINGS = {
    "rejected": (
        "Kantor desa <b>menolak</b> permohonan ini.\nAlasan: {reason}\n"
        "Anda dapat mengajukan permohonan baru dengan isian yang sudah diperbaiki (ketik "
        "<b>Surat</b>), atau datang ke kantor desa untuk menanyakannya."
    ),
    "cancelled": (
        "Permohonan ini telah Anda batalkan. Ketik <b>Surat</b> bila Anda ingin mengajukan "
        "permohonan baru."
    ),
    "withdrawn": (
        "Surat yang sudah diterbitkan untuk permohonan ini <b>dicabut</b> oleh kantor desa.\n"
        "Alasan: {reason}\n"
        "PDF yang sudah Anda terima tidak berlaku lagi: pemeriksaan kode QR-nya kini menyatakan "
        "DICABUT. Silakan hubungi kantor desa bila Anda memerlukan surat pengganti."
    ),
}
LETTER_REASON_UNSAID = "tidak disebutkan"
LETTER_DOCUMENT_CAPTION = (
    "<b>{title}</b> nomor {number}. Surat ini sah dalam bentuk PDF ini: keasliannya dapat "
    "diperiksa dengan memindai kode QR di dalamnya."
)

UNKNOWN_VALUE = "-"

# The bot's profile (setMyCommands, setMyDescription, setMyShortDescription): what Telegram
# shows in the "/" menu, in an empty chat, and on the bot's profile page.
BOT_COMMANDS = [
    ("start", "Menu utama"),
    ("daftar", "Hubungkan akun Telegram dengan NIK dan No KK"),
    ("biodata", "Data diri Anda"),
    ("keluarga", "Anggota keluarga dalam Kartu Keluarga"),
    ("pkh", "Kepesertaan PKH"),
    ("bpnt", "Kepesertaan BPNT"),
    ("kis", "Kepesertaan KIS"),
    ("surat", "Jenis surat keterangan dan cara pengajuannya"),
    ("aduan", "Sampaikan keluhan atau laporan kepada kantor desa"),
    ("status", "Status permohonan surat dan aduan Anda"),
    ("batal", "Batalkan pengisian, atau permohonan yang sedang diproses"),
]
BOT_DESCRIPTION = (
    "Layanan {village} lewat Telegram: lihat data kependudukan Anda dan keluarga, cek "
    "kepesertaan bantuan sosial (PKH, BPNT, KIS), ajukan surat keterangan tanpa antre di "
    "kantor desa, dan sampaikan aduan yang dijawab di sini. Tekan Mulai, lalu hubungkan akun "
    "Anda sekali dengan NIK dan No KK."
)
BOT_SHORT_DESCRIPTION = (
    "Layanan {village}: data penduduk, bantuan sosial, surat keterangan dan aduan."
)

# --- The letters' verification page (services/gateway/verify.py), for whoever holds a letter ---
# Web HTML, not Telegram's: the page escapes every value put in. {village} is " " and the
# issuing village (VERIFY_VILLAGE), or nothing for a token signed before it named the village.
VERIFY_TITLE = "Verifikasi Surat Desa"
VERIFY_VILLAGE = "{name} (kode desa {code})"
# By outcome: the heading, then the paragraphs, each with its class ("note": small print).
VERIFY_OUTCOMES = {
    "genuine": ("&#10004; Surat ini ASLI", (
        ("", "Surat ini diterbitkan dan ditandatangani secara elektronik oleh Pemerintah "
             "Desa{village}, dan tidak tercatat sebagai surat yang dicabut. Cocokkan keterangan "
             "di bawah dengan surat yang Anda pegang."),
    )),
    "revoked": ("&#10008; Surat ini DICABUT", (
        ("", "Surat ini memang diterbitkan oleh Pemerintah Desa{village}, tetapi telah "
             "<strong>dicabut pada {revoked_on}</strong> dan <strong>tidak berlaku "
             "lagi</strong>."),
    )),
    "unconfirmed": ("Status surat ini belum dapat dipastikan", (
        ("", "Tanda tangan elektronik pada surat ini sah: surat ini diterbitkan oleh Pemerintah "
             "Desa{village}. Namun daftar surat yang dicabut belum dapat dimuat di server ini, "
             "sehingga <strong>belum dapat dipastikan surat ini masih berlaku</strong>."),
        ("", "Muat ulang halaman ini beberapa saat lagi. Bila tetap begini, hubungi kantor "
             "desa."),
    )),
    "not_genuine": ("&#10008; Surat ini TIDAK dapat diverifikasi", (
        ("", "Kode pada surat ini tidak dikenali: surat ini <strong>bukan surat asli</strong>, "
             "atau kodenya rusak atau telah diubah."),
        ("note", "Pindai ulang kode QR pada surat. Bila hasilnya tetap sama, hubungi kantor "
                 "desa."),
    )),
    "unavailable": ("Verifikasi surat belum tersedia", (
        ("", "Layanan verifikasi surat belum diatur di server ini (kunci verifikasi belum "
             "dipasang), sehingga keaslian surat belum dapat diperiksa di sini. Silakan hubungi "
             "kantor desa."),
    )),
}
VERIFY_REASON = "Alasan pencabutan: {reason}"  # under a withdrawn letter's paragraph
# The rows shown for a signed letter, and what a row says for what the token does not hold.
VERIFY_PARTICULARS = ("Desa penerbit", "Jenis surat", "Nomor surat", "Tanggal surat",
                      "Nama pemegang (inisial)", "NIK pemegang")
VERIFY_NOT_IN_TOKEN = "tidak tercantum pada kode surat ini"
VERIFY_OLD_TOKEN = (
    "Kode surat ini dibuat sebelum nama desa penerbit dicantumkan di dalamnya: cocokkan nama "
    "desa dengan kop surat."
)
VERIFY_GENUINE_CHECK = (
    "Bila isi surat berbeda dari keterangan ini, surat tersebut telah diubah: hubungi kantor "
    "desa."
)

# --- A command that ended in <queue>.dead (libs/notices.py) -------------------------------
# Sent once per command, whatever killed it; the resident's request may still be done later if
# the village office sends it back, hence "saat ini".
COMMAND_FAILED = (
    "Mohon maaf, permintaan Anda saat ini belum dapat kami proses. Petugas desa sudah "
    "diberi tahu. Silakan coba lagi nanti atau hubungi kantor desa."
)

# --- The staff console, to a resident's chat (services/letter_service/console/residents.py) ---
# The office unlinked this account; never names whose data it was (the account may not be theirs).
CONSOLE_UNLINKED = (
    "Akun Telegram ini tidak lagi terhubung dengan data kependudukan: hubungannya diputus oleh "
    "petugas kantor desa.\n\nBila ini akun Anda dan ingin memakainya lagi, ketik /start lalu "
    "daftar dengan NIK dan No KK Anda, atau datang ke kantor desa dengan membawa KTP."
)
CONSOLE_MOVED_AWAY = (
    "Akun Telegram ini tidak lagi terhubung dengan data kependudukan: pemilik data datang ke "
    "kantor desa dengan KTP dan meminta hubungannya dipindahkan ke akun Telegram lain.\n\n"
    "Bila ini keliru, segera hubungi kantor desa."
)
CONSOLE_LINKED = (
    "Akun Telegram ini sekarang terhubung dengan data kependudukan Anda oleh petugas kantor "
    "desa, setelah KTP Anda diperiksa. Ketik Menu untuk melihat layanan yang tersedia."
)
CONSOLE_UNLOCKED = (
    "Petugas kantor desa telah membuka kunci pendaftaran akun ini. Anda dapat mendaftar lagi "
    "sekarang: ketik /start lalu ikuti petunjuknya."
)


# --- Complaints from the chat (services/letter_service/complaints/flow.py) --------------------
# The guided complaint: four steps (what happened; a photo; the place; public or private), then
# a summary to send or change. The one-line form asks only the public/private choice.
COMPLAINT_STEP = "<b>Aduan</b> ({step}/4)\n"
COMPLAINT_ASK_TEXT = COMPLAINT_STEP.format(step=1) + (
    "Ceritakan apa yang terjadi: apa masalahnya, di mana, dan sejak kapan.\n"
    "<i>Ketik dalam satu pesan, {min} sampai {max} huruf.</i>"
)
COMPLAINT_ASK_PHOTO = COMPLAINT_STEP.format(step=2) + (
    "Kirim <b>foto</b> sebagai bukti bila ada (pilih foto dari galeri atau kamera, kirim "
    "sebagai foto). Tidak ada foto? Tekan <b>Lewati</b>."
)
COMPLAINT_ASK_LOCATION = COMPLAINT_STEP.format(step=3) + (
    "Bagikan <b>lokasi</b> kejadian bila perlu: tekan tombol <b>📍 Kirim lokasi</b> di bawah "
    "(lokasi Anda saat ini), atau 📎 → Lokasi untuk memilih tempat di peta. Tidak perlu? "
    "Tekan <b>Lewati</b>."
)
COMPLAINT_ASK_VISIBILITY = (
    "{step}<b>Boleh aduan ini tampil di situs web desa?</b>\n"
    "• <b>Publik</b>: judul, isi, foto dan nama Anda tampil di halaman Pengaduan situs desa, "
    "bersama tanggapan kantor desa. Siapa pun dapat membacanya.\n"
    "• <b>Privat</b>: hanya petugas kantor desa yang membacanya. Nama Anda tidak tampil di "
    "mana pun.\n"
    "Tanggapan kantor desa dikirim ke sini, apa pun pilihan Anda."
)
COMPLAINT_SUMMARY = (
    "<b>Periksa aduan Anda</b>\n"
    "Judul: {title}\n"
    "Isi: {body}\n"
    "Foto: {photo}\n"
    "Lokasi: {location}\n"
    "Tampil di situs desa: {visibility}\n\n"
    "Tekan <b>Kirim</b> bila sudah benar, atau pilih yang ingin diubah."
)
COMPLAINT_PHOTO_STATES = {
    None: "tidak ada",
    "pending": "ada (sedang disimpan)",
    "stored": "ada",
    "refused": "tidak dapat disimpan (kirim foto lain lewat Ubah foto)",
}
COMPLAINT_NO_LOCATION = "tidak ada"
COMPLAINT_LOCATION = "{latitude}, {longitude}"
COMPLAINT_VISIBILITY = {True: "ya, publik", False: "tidak, privat"}
COMPLAINT_SKIP_TEXT = "Lewati"
COMPLAINT_SKIP_BUTTON = {"text": COMPLAINT_SKIP_TEXT,
                         "callback_data": complaints.button(complaints.SKIP)}
COMPLAINT_CANCEL_BUTTON = {"text": "Batalkan aduan",
                           "callback_data": complaints.button(complaints.DISCARD)}
COMPLAINT_SEND_BUTTON = {"text": "Kirim aduan",
                         "callback_data": complaints.button(complaints.SEND)}
COMPLAINT_PUBLIC_BUTTON = {"text": "🌐 Publik",
                           "callback_data": complaints.button(complaints.PUBLIC)}
COMPLAINT_PRIVATE_BUTTON = {"text": "🔒 Privat",
                            "callback_data": complaints.button(complaints.PRIVATE)}
COMPLAINT_CHANGE_BUTTONS = {  # by step
    complaints.STEP_TEXT: "Ubah isi",
    complaints.STEP_PHOTO: "Ubah foto",
    complaints.STEP_LOCATION: "Ubah lokasi",
    complaints.STEP_VISIBILITY: "Ubah publik/privat",
}
# The location step's reply keyboard: Telegram's own "share my location" button.
COMPLAINT_LOCATION_KEYBOARD = {
    "keyboard": [[{"text": "📍 Kirim lokasi", "request_location": True}],
                 [{"text": COMPLAINT_SKIP_TEXT}, {"text": callbacks.CANCEL}]],
    "resize_keyboard": True,
    "one_time_keyboard": True,
}
COMPLAINT_PHOTO_TAKEN = "Foto diterima."
COMPLAINT_LOCATION_TAKEN = "Lokasi diterima."
COMPLAINT_FILED = (
    "Aduan Anda telah diterima dengan nomor <b>A-{number}</b> ({visibility}).\n"
    "Kantor desa akan menanggapinya; tanggapan dan perubahan keadaannya dikirim ke sini. "
    "Ketik <b>Status</b> untuk melihat aduan Anda."
)
COMPLAINT_FILED_VISIBILITY = {True: "publik: tampil di situs desa", False: "privat"}
COMPLAINT_CANCELLED = "Penulisan aduan dibatalkan. Tidak ada yang dikirim."
# Refusals: what is wrong, and the step asked again.
COMPLAINT_TEXT_TOO_SHORT = (
    "Ceritakan sedikit lebih lengkap: paling sedikit {min} huruf (tertulis {given})."
)
COMPLAINT_TEXT_TOO_LONG = (
    "Aduan terlalu panjang: paling banyak {max} huruf (tertulis {given}). Ringkas, lalu kirim "
    "lagi. Foto dan lokasi dapat ditambahkan pada langkah berikutnya."
)
COMPLAINT_TITLE_BAD = "Judul aduan harus {min} sampai {max} huruf (tertulis {given})."
COMPLAINT_ONE_LINE_HOW = (
    "Format aduan satu baris:\n<code>ADUAN#judul#isi aduan</code>\n"
    "Contoh: <code>ADUAN#Lampu jalan mati#Lampu jalan di depan masjid RT 02 mati sejak "
    "seminggu.</code>\nAtau ketik <b>Aduan</b> saja untuk ditanya satu per satu, dengan foto "
    "dan lokasi."
)
COMPLAINT_NOT_A_PHOTO = (
    "Berkas itu bukan foto (yang diterima: JPG atau PNG). Kirim foto, atau tekan "
    "<b>Lewati</b>."
)
COMPLAINT_PHOTO_TOO_BIG = (
    "Foto terlalu besar ({size}; paling besar {limit}). Kirim sebagai foto biasa (bukan "
    "berkas) agar Telegram mengecilkannya, atau tekan <b>Lewati</b>."
)
COMPLAINT_LOCATION_ABROAD = (
    "Lokasi itu di luar Indonesia ({latitude}, {longitude}). Bagikan lokasi kejadian di desa, "
    "atau tekan <b>Lewati</b>."
)
COMPLAINT_WANTS_PHOTO = "Langkah ini menunggu foto. "
COMPLAINT_WANTS_LOCATION = "Langkah ini menunggu lokasi. "
COMPLAINT_WANTS_CHOICE = "Pilih salah satu tombol: Publik atau Privat. "
COMPLAINT_ATTACHMENT_UNASKED = (
    "Foto dan lokasi diterima sebagai bagian dari aduan. Ketik <b>Aduan</b> untuk menulis "
    "aduan; foto dan lokasi ditanyakan di langkahnya."
)
COMPLAINT_TOO_MANY = (
    "Anda sudah mengirim {count} aduan dalam 24 jam terakhir, batas untuk satu akun. Aduan "
    "yang mendesak dapat disampaikan langsung ke kantor desa."
)
COMPLAINT_GONE = "Aduan ini sudah dikirim atau dibatalkan. Ketik Aduan untuk menulis yang baru."
# Downloading the photo (services/notifier/files.py): the reason, then the sentence.
COMPLAINT_PHOTO_REFUSED = (
    "Foto yang Anda kirim tidak dapat disimpan: {reason}. Aduan tetap dapat dikirim tanpa "
    "foto, atau kirim foto lain lewat <b>Ubah foto</b> pada ringkasan."
)
COMPLAINT_PHOTO_REASONS = {
    "too_big": "ukurannya melebihi {limit}",
    "not_image": "isinya bukan gambar JPG atau PNG",
    "unavailable": "Telegram tidak lagi menyediakan berkasnya",
}
# `Status`: complaints below the letter requests.
COMPLAINT_STATUS_HEADER = "<b>Aduan Anda</b>"
COMPLAINT_STATUS_ENTRY = (
    "• <b>A-{number}</b> {title}: <b>{state}</b> ({visibility})\n  dikirim {sent}{answers}"
)
COMPLAINT_STATUS_ANSWERS = ", {count} tanggapan"
COMPLAINT_STATUS_VISIBILITY = {True: "publik", False: "privat"}
STATUS_NONE = (
    "Anda belum pernah mengajukan surat atau mengirim aduan melalui Telegram. Ketik "
    "<b>Surat</b> atau <b>Aduan</b> untuk memulai."
)

# --- The office's answers to a complaint, to the resident (complaint_watch.py) -----------------
COMPLAINT_ANSWERED = (
    "<b>Tanggapan aduan A-{number}</b> ({title})\n"
    "Keadaan: <b>{state}</b>\n\n{body}\n\n— {author}"
)
COMPLAINT_STATE_CHANGED = (
    "<b>Aduan A-{number}</b> ({title})\nKeadaan sekarang: <b>{state}</b>"
)
COMPLAINT_CLOSED_NOTE = (
    "\n\nAduan ini dinyatakan selesai. Bila masalahnya belum teratasi, ketik <b>Aduan</b> "
    "untuk mengirim aduan baru."
)
COMPLAINT_OFFICE = "Kantor desa"  # the author of an answer that names nobody

# --- Staff in Telegram: linking, alerts, escalation, the daily summary (staff_alerts.py) -------
# Linking (services/letter_service/staff_link.py): the console shows the code.
STAFF_LINK_HOW = (
    "Untuk petugas kantor desa: buka konsol petugas, menu <b>Akun Saya</b> → "
    "<b>Hubungkan Telegram</b>, lalu kirim kode yang tampil di sana:\n<code>STAF KODE</code>"
)
STAFF_LINK_REFUSED = (
    "Kode tidak berlaku: salah ketik, sudah dipakai, atau sudah kedaluwarsa. Minta kode baru "
    "di konsol petugas (Akun Saya → Hubungkan Telegram)."
)
STAFF_LINKED = (
    "Akun Telegram ini sekarang terhubung dengan akun petugas <b>{name}</b>. Pemberitahuan "
    "permohonan surat dan aduan baru akan dikirim ke sini.\nKetik <code>STAF BERHENTI</code> "
    "untuk memutus hubungan ini."
)
STAFF_UNLINKED = (
    "Hubungan akun Telegram ini dengan akun petugas telah diputus. Pemberitahuan kantor desa "
    "tidak dikirim ke sini lagi."
)
STAFF_UNLINK_NONE = "Akun Telegram ini tidak terhubung dengan akun petugas mana pun."
# Alerts (services/letter_service/staff_alerts.py): a resident's name, the kind and the number,
# never a NIK or a No KK. Each has a button that opens the item in the console.
STAFF_NEW_REQUEST = (
    "🆕 <b>Permohonan surat baru</b> nomor <b>{number}</b>\n{kind}\nPemohon: {name}"
)
STAFF_NEW_COMPLAINT = "🆕 <b>Aduan baru</b> {label}\nPengirim: {name}"
STAFF_LATE_REQUEST = (
    "⏰ <b>Permohonan surat menunggu lebih dari {hours} jam</b>\nNomor <b>{number}</b>, {kind}: "
    "<b>{state}</b>\nPemohon: {name}, diajukan {since}"
)
STAFF_LATE_COMPLAINT = (
    "⏰ <b>Aduan belum dijawab lebih dari {hours} jam</b>\n{label}\n"
    "Pengirim: {name}, dikirim {since}"
)
# How an alert names a complaint: ours by its number, one from OpenSID's web form by its row.
STAFF_COMPLAINT_FROM_CHAT = "<b>A-{number}</b> lewat Telegram ({visibility})"
STAFF_COMPLAINT_FROM_WEBSITE = "nomor <b>{number}</b> lewat situs desa"
STAFF_DIGEST = (
    "📋 <b>Ringkasan kantor desa, {day}</b>\n"
    "Baru dalam 24 jam terakhir: {new_requests} permohonan surat, {new_complaints} aduan\n"
    "Menunggu diproses: {waiting_requests} permohonan, {waiting_complaints} aduan belum dijawab\n"
    "Lewat batas {hours} jam: {late_requests} permohonan, {late_complaints} aduan"
)
STAFF_OPEN_BUTTON = "Buka di konsol"
STAFF_DASHBOARD_BUTTON = "Buka dasbor"
