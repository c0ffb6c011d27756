"""Vocabulary of monitor.facts: what each named fact is called in policies, as lower-case regex fragments.

Each table maps a canonical value (the name a reason shows: "deletion", "India", "advertisers") to the
words that say it, English first, then French, German, Spanish and Dutch where cheap, and Russian,
Japanese and Chinese for the sale stance and periods. Nothing here names a company or a policy.

Patterns match where a word starts (monitor.facts scans word starts only, for speed): a part inside a
compound needs an explicit prefix ("[a-zäöüß]*übertragbarkeit" for "Datenübertragbarkeit").
"""

from __future__ import annotations

import math

# -- vocabulary (lower-case regex fragments; canonical value first) ---------------------------------

# Data-subject rights. strong=True: the word names the right wherever it stands ("portability");
# otherwise it counts only in a clause about what people may ask or do ("you may ask us to delete").
RIGHTS: list[tuple[str, str, bool]] = [
    ("opt-out", r"opt(?:ing)?[- ]?outs?\b|\bunsubscrib\w*|do not sell (?:or share )?my", True),
    (
        "withdraw consent",
        r"withdraw\w*|revok\w* (?:your |of )?consent|retir\w* (?:votre |el |su )?consentement"
        r"|retirar (?:el |su )?consentimiento|widerruf\w*|intrekk\w*|toestemming in te trekken",
        False,
    ),
    (
        "complaint",
        r"lodge a complaint|complain\w*|supervisory authorit\w*|data protection authorit\w*"
        r"|réclamation|plainte|\bcnil\b|beschwerde\w*|aufsichtsbehörde|reclamación|autoridad de control"
        r"|klacht"
        r"|toezichthouder|autoriteit persoonsgegevens",
        False,
    ),
    (
        "automated decisions",
        r"(?:not to be|not be) subject to (?:a )?(?:decision|automated)|automated (?:individual )?"
        r"decision|décision individuelle automatisée|automatisierte\w* entscheidung|decisiones automatizadas"
        r"|geautomatiseerde besluit",
        False,
    ),
    ("non-discrimination", r"non-?discriminat\w*|discriminat\w*", False),
    (
        "portability",
        r"portab\w*|machine-readable|\bexport\w*|\bport (?:your|it|them|personal)"
        r"|[a-zäöüß]*übertragbarkeit"
        r"|overdraagbaarheid"
        r"|(?:structured|commonly used|portable) (?:and |, )?(?:commonly used |machine-readable )?format",
        True,
    ),
    (
        "access",
        r"right to know\b|(?<!unauthori[sz]ed )\baccess(?:ing)?\b(?! controls?| (?:to )?(?:our|the|this"
        r"|these) "
        r"(?:services?|site|websites?|platforms?|apps?|products?|features?|content|pages?))|know (?:what"
        r"|which|whether|the categories)|(?:obtain"
        r"|receive|get|request) "
        r"an? copy(?![^.;]{0,50}(?:portable|machine-readable|structured))|\bconfirm(?:ation)? (?:whether"
        r"|that we)"
        r"|\baccès\b|\bauskunft\w*|\bacceso\b|\binzage\b",
        False,
    ),
    (
        "correction",
        # "correct" as a verb with its object (or in an enumeration of verbs), not "the correct process".
        r"\bcorrect(?:ing)?\b(?=,|\.|;|$| (?:or |and )?(?:your|any|the|inaccurate|incomplete|outdated"
        r"|personal|it\b"
        r"|them|errors?|mistakes?|data|information|delet|eras|updat|amend|export|port|access|restrict"
        r"|object))"
        r"|\bcorrect(?:ed|ion|ions)\b|rectif\w*|berichtig\w*|\bcorrig\w*|\bcorrecci\w*|\bcorrectie\w*",
        False,
    ),
    (
        "deletion",
        r"\bdelet\w*|\beras\w*|be forgotten|\beffac\w*|\bsupprim\w*|suppression|lösch\w*|\bsupresión"
        r"|\bsuprimir\w*|\bcancelación|verwijder\w*|\bwissen\b|\bwissing|vergeten te worden",
        False,
    ),
    (
        "objection",
        r"\bobject(?:ing|ion|ions)?\b(?! of)|s'opposer|\bopposition\b|widerspr\w*|oposición|oponerse"
        r"|\bbezwaar\w*",
        False,
    ),
    (
        "restriction",
        r"\brestrict\w*|limit (?:the )?(?:use|processing)|limitation (?:of|du|de) (?:processing|traitement)"
        r"|einschränkung\w*|\blimitación|\bbeperking\w*",
        False,
    ),
    ("appeal", r"\bappeal\w*", False),
]
# A clause about what people may ask for or do: only there do verbs like "delete" name a right.
# What an opt-out is from (a word within the clause after "opt out"): each is a right of its own.
OPT_OUT_OBJECTS = [
    ("sale", "opt-out of sale"),
    ("sell", "opt-out of sale"),
    ("advertis", "opt-out of targeted advertising"),
    ("profil", "opt-out of profiling"),
]
RIGHTS_CONTEXT = (
    # "request" only as a person's request about their data, not "after your support request is closed".
    r"\bright|\byou(?: may| can| could)?(?: also)? (?:request|ask)|\bask us|\brequest (?:that we|us to|access"
    r"|deletion|correction|erasure|a copy)|\brequests? (?:to|for)\b|\bsubmit\w* a request|\bentitled"
    r"|\bexercis"
    r"|\bchoices?\b|\byou (?:may|can|could|are (?:not )?able to|have|cannot|can.t)\b"
    r"|\bdroit|\bvous pouvez|\bdemand|\brecht|\bsie können|\bantrag|\bderecho|\bpuede|\bsolicit|\bu kunt"
    r"|\bverzoek"
    r"|\bправ|\bвы можете|権利|請求|权利|请求"
)

# Who receives data: kinds of recipient (named organisations are found by shape, below).
RECIPIENTS: list[tuple[str, str]] = [
    ("payment processors", r"payment (?:service )?(?:processors?|providers?)"),
    ("data brokers", r"data brokers?|courtiers en données|datenhändler"),
    (
        "advertisers",
        r"advertis(?:ers|ing (?:partners?|networks?|companies|providers?))|ad(?:vertising)? networks?"
        r"|marketing partners?|annonceurs|werbe(?:partner\w*|treibende\w*)|anunciantes|adverteerders",
    ),
    ("analytics providers", r"analytics (?:providers?|partners?|companies|services)"),
    (
        "service providers",
        r"service providers?|(?:sub-?)?processors?\b|\bvendors?\b|\bcontractors?\b|\bsuppliers?\b"
        r"|prestataires?|sous-traitants?|dienstleister\w*|auftragsverarbeiter\w*"
        r"|proveedores?(?: de servicios)?"
        r"|encargados del tratamiento|dienstverleners?|\bverwerkers\b",
    ),
    (
        "affiliates",
        r"affiliat\w*|group companies|companies (?:in|of) our group|subsidiar\w*|filiales?"
        r"|verbundene\w* unternehmen|konzern\w*|afiliad\w*|gelieerde",
    ),
    ("law enforcement", r"law enforcement|\bpolice\b|polizei|policía|politie"),
    (
        "public authorities",
        r"public authorit\w*|government\w* (?:authorit\w*|agenc\w*|bodies|entities)"
        r"|regulators?\b|regulatory (?:authorit\w*|bodies)|\bcourts?\b|tax authorit\w*|autorités|behörden"
        r"|autoridades|overheidsinstanties",
    ),
    (
        "insurers",
        r"insurers?|insurance (?:companies|providers|partners)|assureurs|versicherer\w*|aseguradoras"
        r"|verzekeraars",
    ),
    (
        "business partners",
        r"(?:business|commercial|trusted|third-party) partners?|partenaires|geschäftspartner\w*"
        r"|socios comerciales|zakenpartners",
    ),
    # Not "a social networking platform": what a service calls itself, not whom it shares with.
    (
        "social networks",
        r"social (?:media|networks?) (?:platforms?|providers?|companies|networks?)|social networking (?:sites|services)",
    ),
    ("professional advisers", r"professional advis[eo]rs?|auditors?|\blawyers\b|accountants"),
    ("acquirers", r"(?:prospective |potential )?(?:buyers?|purchasers?|acquirers?)\b"),
    ("researchers", r"researchers|research (?:partners?|institutions?)"),
    ("credit agencies", r"credit (?:reference |reporting )?(?:agenc\w*|bureaus?)"),
]

# Kinds of personal data (English; a few loan words of other languages).
DATA: list[tuple[str, str]] = [
    (
        "email address",
        # A bare "email" is the datum only in a list ("name, email, phone"), not "send us an email".
        r"e-?mail address(?:es)?|(?<=, )e-?mails?\b(?! (?:us|to|from|you|them)\b)|\be-?mails?(?=\s*(?:,|;|/))"
        r"|adresse (?:e-mail|électronique)|e-mail-adresse|correo electrónico|e-mailadres",
    ),
    (
        "phone number",
        r"(?:tele)?phone numbers?|mobile (?:phone )?numbers?|numéro de téléphone|telefonnummer"
        r"|número de teléfono|telefoonnummer",
    ),
    (
        "postal address",
        r"(?<!our )(?:postal|mailing|home|physical|street|billing|shipping|delivery) address(?:es)?"
        r"|adresse postale|postanschrift|dirección postal",
    ),
    (
        "name",
        # A person's name: with a possessive or a qualifier, or as an item of a list of data.
        r"(?:your|their|his|her|full|first|last|legal|real|given|family|display|contact|customer"
        r"|user'?s) names?\b"
        r"|surnames?|(?<=, )names?\b(?! of\b)|names?(?=\s*(?:,|/| and (?:your |e-?mail|postal|phone|contact"
        r"|address|surname|date|age|gender)))",
    ),
    (
        "date of birth",
        r"date of birth|birth ?dates?|birthdays?|date de naissance|geburtsdatum|fecha de nacimiento"
        r"|geboortedatum",
    ),
    ("gender", r"\bgender\b"),
    ("IP address", r"\bip[- ]address(?:es)?|adresse ip|ip-adresse|dirección ip|ip-adres"),
    (
        "device identifiers",
        r"device (?:ids?|identifiers?)|advertising (?:ids?|identifiers?)|\bidfa\b|\bimei\b"
        r"|mac address(?:es)?|unique (?:device )?identifiers?",
    ),
    ("precise location", r"precise (?:geo-?)?location|\bgps\b|exact location"),
    ("approximate location", r"(?:approximate|coarse|general) (?:geo-?)?location"),
    ("location", r"location (?:data|information)|\bgeo-?location"),
    (
        "biometric data",
        r"biometric\w*|face ?prints?|fingerprints?|voice ?prints?|facial (?:recognition|geometry)"
        r"|biométrique|biometrische",
    ),
    ("genetic data", r"\bgenetic"),
    (
        "health data",
        r"\bhealth (?:data|information|conditions?|records?)|\bmedical|santé|gesundheit\w*|salud"
        r"|gezondheid\w*",
    ),
    (
        "financial data",
        r"payment (?:card )?(?:information|details|data)|credit cards?|debit cards?|(?<!sim )card numbers?"
        r"|bank (?:account|details)\w*|financial (?:information|data|details)|\biban\b|billing information",
    ),
    (
        "government ID",
        r"government[- ]issued|passports?|driver'?s licen[cs]es?|national (?:id|identity)"
        r"|social security numbers?|\bssn\b|tax (?:id|identification)|identity (?:cards?|documents?)"
        r"|\bid cards?",
    ),
    ("contacts", r"contacts? lists?|address book|your contacts"),
    ("photos", r"\bphotos?\b|photographs?|your pictures"),
    (
        "voice recordings",
        r"voice (?:recordings?|data|commands|inputs?)|audio recordings?|call recordings?"
        r"|recordings of (?:your )?(?:calls|voice)",
    ),
    (
        "browsing history",
        r"browsing (?:history|activity|data)|search (?:history|queries)|web history"
        r"|pages? (?:you )?(?:have )?visit(?:ed)?",
    ),
    (
        "purchase history",
        r"purchase (?:history|records?)|transaction (?:history|data|information|details)"
        r"|order history",
    ),
    ("usage data", r"usage (?:data|information)|log (?:files|data|information)"),
    ("credentials", r"passwords?|login credentials|account credentials|user ?names?"),
    (
        "messages",
        r"(?:content of |your |private |direct |in-app )(?:messages|communications|chats)|messages (?:you"
        r"|that you)"
        r" (?:send|receive|exchange|post)|chat (?:logs|history|content|messages)",
    ),
    (
        "sensitive data",
        r"racial|ethnic origin|religio\w* (?:beliefs|views)|political (?:opinions|views)"
        r"|sexual orientation|sex life|trade union|criminal (?:records?|convictions?|offen[cs]es)",
    ),
    (
        "employment information",
        r"employment (?:information|history|details)|job title|professional information",
    ),
    ("inferences", r"\binferences?\b"),
]

# Why data is processed.
PURPOSES: list[tuple[str, str]] = [
    (
        "training AI models",
        r"train\w* (?:of )?(?:our |the |its |their |new )?(?:ai|artificial intelligence|machine"
        r" learning|ml|models?|algorithms?|large language|generative|llms?)|(?:ai|machine learning"
        r"|ml) (?:models? )?"
        r"training|(?:develop\w*|improv\w*) (?:our )?(?:ai|artificial intelligence|machine learning"
        r"|models?)\b",
    ),
    (
        "advertising",
        r"advertis(?:ing|ements?)(?! (?:partners?|networks?|companies|providers?|ids?|identifiers?))"
        r"|targeted ads|interest-based ads|\bads\b|publicité|werbung|werbezwecke\w*|publicidad|reclame"
        r"|advertenties",
    ),
    ("marketing", r"marketing(?! partners?)|newsletters?|promotional|prospection|werbliche"),
    (
        "personalisation",
        r"personali[sz]\w*|personnalis\w*|personalisier\w*|personaliz\w*|customi[sz]\w*|tailor\w*"
        r"|recommendations?",
    ),
    (
        "analytics",
        r"analytics?(?! (?:providers?|partners?|companies))|analy[sz](?:e|es|ed|ing|is)\b|statistic\w*"
        r"|measurement"
        r"|measur(?:e|es|ing) (?:the )?(?:effectiveness|performance|use|usage|engagement|audiences?|traffic"
        r"|how|reach)",
    ),
    (
        "security and fraud prevention",
        r"\bfraud\w*|security purposes|(?:prevent|detect)\w* (?:and \w+ )?"
        r"(?:abuse|spam|misuse)|betrug\w*|fraude",
    ),
    (
        "research",
        r"\bresearch\b(?! (?:partners?|institutions?))|scientific|recherche|forschung\w*|investigación",
    ),
    (
        "legal compliance",
        r"comply with (?:our |applicable |the |any )?(?:legal|law|laws|regulations)|legal"
        r" obligations?|obligations légales|rechtliche\w* "
        r"verpflichtung\w*|obligaciones legales|wettelijke verplichting\w*",
    ),
    (
        "recruitment",
        r"recruit\w*|job applications?|\bhiring\b|employment relationship|application process"
        r"|bewerbung\w*|candidature|recrutement|sollicitatie\w*",
    ),
    ("profiling", r"\bprofiling|\bprofilage|profilbildung|elaboración de perfiles"),
]

# Places data goes or sits: canonical name and lower-case aliases (several languages). Upper-case
# abbreviations (US, UK, EU, EEA) are matched case-sensitively below: "contact us" is no country.
COUNTRY_NAMES: dict[str, str] = {
    # "America" alone is the United States; "South America" or "Latin America" is a region of its own.
    "United States": r"united states(?: of america)?|\busa\b|\bu\.s\.(?:a\.)?|(?<!south )(?<!latin )(?<!north )"
    r"(?<!central )america\b|états-unis|etats-unis"
    r"|vereinigten? staaten|verenigde staten|estados unidos|соединённых штат\w*|соединенных штат\w*|\bсша\b"
    r"|米国|アメリカ|美国",
    # Its nations are the United Kingdom, not countries of their own: "Great Britain and Northern
    # Ireland" for "the United Kingdom" adds no place.
    "United Kingdom": r"united kingdom|great britain|\bbritain\b|(?<!new )england|\bscotland\b|(?<!south )\bwales\b"
    r"|northern ireland|irlande du nord|nordirland|noord-ierland|royaume-uni|vereinigte\w* königreich"
    r"|verenigd koninkrijk"
    r"|reino unido|великобритан\w*|英国|イギリス",
    "EEA": r"european economic area|espace économique européen|europäische\w* wirtschaftsraum\w*"
    r"|espacio económico europeo|europese economische ruimte",
    "EU": r"european union|union européenne|europäische\w* union|unión europea|europese unie|евросоюз\w*"
    r"|европейск\w* союз\w*|欧州連合|欧盟",
    "Europe": r"\beurope\b|\beuropa\b|европ[аеуы]\b|ヨーロッパ|欧洲",
    "India": r"\bindia\b|\binde\b|\bindien\b|\bindië\b|индия|индии|インド|印度",
    "China": r"\bchina\b|\bchine\b|\bchinese mainland|китай|китае|中国",
    "Japan": r"\bjapan\b|\bjapon\b|\bjapón\b|япония|японии|日本",
    "Russia": r"\brussia\b|\brussie\b|\brussland\b|\brusia\b|\brusland\b|росси[яи]|ロシア|俄罗斯",
    "Canada": r"\bcanada\b|\bkanada\b|канад\w*|カナダ|加拿大",
    "Brazil": r"\bbrazil\b|\bbrésil\b|\bbrasilien\b|\bbrasil\b|\bbrazilië\b|бразили\w*",
    "Ireland": r"(?<!northern )\bireland\b|\birlande\b|\birland\b|\birlanda\b|ирланди\w*|アイルランド|爱尔兰",
    "Germany": r"\bgermany\b|\ballemagne\b|\bdeutschland\b|\balemania\b|\bduitsland\b|германи\w*|ドイツ|德国",
    "France": r"\bfrance\b|\bfrankreich\b|\bfrancia\b|\bfrankrijk\b|франци\w*|フランス|法国",
    "Netherlands": r"\bnetherlands\b|\bholland\b|\bpays-bas\b|\bniederlande\b|\bpaíses bajos\b|\bnederland\b"
    r"|нидерланд\w*",
    "Switzerland": r"\bswitzerland\b|\bsuisse\b|\bschweiz\b|\bsuiza\b|\bzwitserland\b|швейцари\w*",
    "Singapore": r"\bsingapore\b|\bsingapour\b|\bsingapur\b|сингапур\w*|シンガポール|新加坡",
    "Australia": r"\baustralia\b|\baustralie\b|\baustralien\b|\baustralië\b|австрали\w*|オーストラリア|澳大利亚",
    "South Korea": r"south korea|republic of korea|(?<!north )\bkorea\b|corée du sud|südkorea|corea del sur|zuid-korea"
    r"|южн\w* коре\w*|韓国|韩国",
    "Israel": r"\bisrael\b|\bisraël\b|израил\w*",
    "Philippines": r"\bphilippines\b|\bphilippinen\b|\bfilipinas\b|\bfilipijnen\b|филиппин\w*",
    "Ukraine": r"\bukraine\b|\bucrania\b|\boekraïne\b|украин\w*",
    "Mexico": r"(?<!new )\bmexico\b|\bmexique\b|\bmexiko\b",  # and "México": compared without accents
    "Vietnam": r"\bviet ?nam\b|вьетнам\w*",
    "Indonesia": r"\bindonesia\b|\bindonésie\b|\bindonesien\b",
    "Malaysia": r"\bmalaysia\b|\bmalaisie\b",
    "Turkey": r"\bturkey\b|\bturquie\b|\btürkei\b|\bturquía\b|турци\w*",
    "South Africa": r"south africa|afrique du sud|südafrika|sudáfrica|zuid-afrika",
    "New Zealand": r"new zealand|nouvelle-zélande|neuseeland|nueva zelanda|nieuw-zeeland",
    "Hong Kong": r"hong kong|香港",
    "Taiwan": r"\btaiwan\b|台湾|台灣",
    "United Arab Emirates": r"united arab emirates|émirats arabes unis|vereinigte\w* arabische\w* emirate",
    "Saudi Arabia": r"saudi arabia|arabie saoudite|saudi-arabien",
    # Regions whose names hold a country's ("South America"): named whole, never
    # read as the country inside them.
    "Latin America": r"latin america|amérique latine|lateinamerika|latinoamérica|américa latina",
    "South America": r"south america|amérique du sud|südamerika|sudamérica|américa del sur|zuid-amerika",
    "Central America": r"central america|amérique centrale|mittelamerika|centroamérica|américa central",
    "North America": r"north america|amérique du nord|nordamerika|norteamérica|américa del norte"
    r"|noord-amerika",
    "Africa": r"(?<!south )\bafrica\b|\bafrique\b(?! du sud)|\bafrika\b",
    "North Korea": r"north korea|corée du nord|nordkorea",
}
for _c in (
    "Spain",
    "Italy",
    "Portugal",
    "Sweden",
    "Norway",
    "Denmark",
    "Finland",
    "Poland",
    "Belgium",
    "Austria",
    "Luxembourg",
    "Greece",
    "Hungary",
    "Romania",
    "Argentina",
    "Chile",
    "Colombia",
    "Nigeria",
    "Kenya",
    "Egypt",
    "Thailand",
    "Pakistan",
    "Bangladesh",
    "Serbia",
    "Estonia",
    "Lithuania",
    "Latvia",
):
    COUNTRY_NAMES.setdefault(_c, rf"\b{_c.lower()}\b")
COUNTRY_ABBREVIATIONS = {
    "US": "United States",
    "USA": "United States",
    "U.S.": "United States",
    "U.S.A.": "United States",
    "UK": "United Kingdom",
    "U.K.": "United Kingdom",
    "EU": "EU",
    "E.U.": "EU",
    "EEA": "EEA",
    "E.E.A.": "EEA",
    "UAE": "United Arab Emirates",
    "U.A.E.": "United Arab Emirates",
    "PRC": "China",
}
# Mentions of a region that do not say data goes there.
COUNTRY_NOT_PLACE = (
    r"(?:european|eu) commission|uk government|european data protection board|court of justice|\bgdpr\b"
    r"|\b(?:eu|swiss|switzerland|uk|united kingdom)[- ]u\.?s\.?(?: data privacy framework| privacy shield"
    r"| dpf)?"
    r"|\buk extension|\bswiss-us"
)

# Words before a country that make it where people live or a company is registered, not where data goes.
COUNTRY_NOT_TRANSFER = (
    r"(?:residents?|citizens|consumers|individuals|users|people|customers|you live|you(?: are"
    r"|'re)(?: \w+){0,3}"
    r"|living) (?:of|in|from|within|outside)\b(?:(?!, (?:we|you|they|our|it|this)\b)[^.;:]){0,60}$"
    r"|representative|registered (?:office|address|in)|headquarter"
    r"|incorporated|laws? (?:of|in)(?: the)? $|governed by|courts? of(?: the)? $|offices? in(?: the)? $"
)

# Verbs of selling personal data (en, fr, es, de, nl, ru, ja, zh).
SALE_VERBS = (
    r"\bsell(?:s|ing)?\b|\bsold\b|\bsale of\b|\bvend(?:re|ons|ez|ent|u|us|ue|ues|rons|emos|en|er|ido|idos)\b"
    r"|verkauf\w*|\bverko(?:pen|opt|cht)\b|прода(?:ём|ем|ет|ют|ёт|ж\w*|ва\w*|ди\w*|д\w*)|販売|売却|売り|出售|售卖|贩卖|出卖"
)
# "Sharing" for cross-context advertising is regulated like a sale (CPRA): a stance of its own.
SHARE_FOR_ADS = (
    r"\bshar(?:e|es|ing)\b[^.;]{0,80}?\b(?:for|with) (?:cross-context behaviou?ral|targeted|interest-based"
    r"|behaviou?ral) advertising"
)
# Words that make a clause about personal data (a sale of "products" is no sale of data).
DATA_WORDS = (
    r"\bdata\b|information|\bpersonal\b|details|\bprofiles?\b|données|informations|\bdaten\b|angaben|\bdatos\b|información"
    r"|[a-z]*gegevens|[a-zäöüß]+daten\b|данн\w*|информаци\w*|情報|データ|数据|信息|资料"
)
# A sale of the business (merger, insolvency), or of data that identifies no one, is not a sale of data.
BUSINESS_SALE = (
    r"business|assets|merger|acquisition|reorgani[sz]|bankrupt|insolven|substantially all|company"
    r"|anonymi[sz]|aggregate|de-?identified|non-personal"
)
# Phrases naming a right or a link about sale ("opt out of the sale", "Do Not Sell My Info").
SALE_AS_RIGHT = (
    r"opt(?:ing)?[- ]?out (?:of|from) (?:the |any )?(?:sale|selling|sharing)|do not sell (?:or share )?my"
    r"|(?:limit|object to|stop) (?:the |any )?(?:sale|selling)|\"sell\"|'sell'|(?:the )?(?:terms?|words?) "
    r"\W*(?:sell|sale)"
)

# Negations that reach every item after them in the clause (en, fr, de, es, nl, ru, zh).
NEGATION = (
    r"\bnot\b(?! only| just| limited| necessarily)|\bnever\b|\bno\b(?! (?:cost|charge|fee|later|more|less"
    r"|longer than|matter)\b)|\bnone\b|\bneither\b|\bnor\b|\bcannot\b|[a-z]+n't\b|\bno longer\b|\bne\b"
    r"|\bn'|\bpas\b"
    r"|\bjamais\b|\baucun\w*|\bnicht\b|\bkein\w*|\bnie\b|\bniemals\b|\bnunca\b|\bjamás\b|\bningun\w*|\bniet\b"
    r"|\bgeen\b|\bnooit\b|(?<!\w)не(?!\w)|(?<!\w)никогда(?!\w)"
)
# Chinese and Japanese negations, counted only just before the item (不 also starts many words).
CJK_NEGATION = r"不|没有|從不|决不|絶対に|決して"
# Negations written after the verb they deny (fr "vendons pas", de "verkaufen nicht", ja "販売しません").
POST_NEGATION = (
    r"^[^.;,]{0,30}?(?:\bpas\b|\bjamais\b|\bnicht\b|\bkein\w*|\bniet\b|\bgeen\b|\bnooit\b|\bno\b)"
    r"|^[^。、]{0,12}?(?:ません|しない|ない|なし)"
)
# Words that lift a negation for what follows ("we do not share data except with processors").
EXCEPTION = (
    r"\bexcept\b|\bother than\b|\bunless\b|\bapart from\b|\bbesides\b|\bexcluding\b|\bsauf\b|\baußer\b"
    r"|\bexcepto\b|\bbehalve\b|\bkrom[eе]\b|\bonly\b|\bsolely\b|\buniquement\b|\bnur\b|\bsolo\b|\balleen\b"
)
# Where a clause is split: a new subject after "and"/"but", a semicolon, a contrast.
CLAUSE_BREAK = (
    r";|, (?:and|but|or|while|whereas|although|though|however) (?=(?:we|you|they|our|it|this|these|the"
    r"|such)\b)"
    r"|\bbut\b|\bhowever\b|\bwhereas\b|。|；"
)
# A conditional opening a sentence: its own negation ("if you do not consent, ...") is not the policy's.
CONDITIONAL = r"^(?:if|unless|when|where|in case|si|wenn|falls|als|indien)\b[^,]*,"

# Sharing, location and retention context: facts of those kinds count only in a clause that speaks of it.
SHARING_CONTEXT = (
    r"\bshar|disclos|\bprovid|\btransfer|\bsell|\bsold\b|\bsale\b|\bgive|\bsend|\bsent\b"
    r"|make (?:it )?available"
    r"|\baccess to (?:your |the |this |such |personal )?(?:data|information)|recipient|\breceiv|third[- ]part"
    r"|\bpartag|communiqu|transmet|destinataire|weitergeb"
    r"|weitergegeben"
    r"|übermitt|offenleg|empfänger|compart|\bceder|\bcomunic|destinatari|\bdelen|gedeeld|verstrek|doorgeg"
    r"|ontvanger|передав|передач|提供|共有|第三者|披露|共享"
)
LOCATION_CONTEXT = (
    r"transfer|\bstor|\bprocess|\bhost|server|locat|outside|countr|jurisdiction|data cent|\bin which"
    r"|transf|pays|traité|hébergé|übermitt|übertrag|verarbeit|gespeichert|speicher|drittl|almacen|tratad"
    r"|alojad"
    r"|doorgeg|verwerkt|opgeslagen|передач|хран|обраб|移転|保存|処理|转移|存储|处理|境外"
)
RETENTION_CONTEXT = (
    r"\bkeep|\bkept\b|\bretain|retention|\bstor(?:e|es|ed|ing|age)\b|\bdelet|\beras|anonymi[sz]|destroy|purg"
    r"|archiv|how long|conserv|supprim|effac|aufbewahr|speicher|lösch|gelöscht|\bguard|almacen|suprim|elimin"
    r"|bewaar|bewaren|verwijder|хран|удал|保存|保管|保持|削除|保有|保留|存储|删除"
)
RESPONSE_CONTEXT = (
    r"\brespond|\bresponse|\breply|\banswer|\backnowledg|répond|antwort|beantwort|responder"
    r"|\breactie|ответ|回答|回复|答复"
)
# A request named near a period makes it a response time only when the period is a deadline ("requests
# are handled within 30 days"), not when it is how long a record is kept ("requests are kept for 3 years").
REQUEST_WORDS = r"\brequests?\b|\bdemandes?\b|\banfragen?\b|\bantrag|\bsolicitud|\bverzoek"
# Units of time: canonical English unit and its length in days (several languages and scripts).
UNITS: list[tuple[str, float, str]] = [
    (
        "business day",
        7 / 5,
        r"(?:business|working) days?|jours? ouvrés|jours? ouvrables|werktage\w*|días hábiles"
        r"|werkdagen|рабочих дн\w*|営業日|工作日",
    ),
    ("hour", 1 / 24, r"hours?|heures?|stunden?|horas?|uur|uren|час(?:а|ов)?|時間|小时|小時"),
    ("day", 1, r"(?:calendar )?days?|jours?|tagen?|tage|días?|dias?|dagen|dag|дн(?:я|ей)|день|日間|天"),
    ("week", 7, r"weeks?|semaines?|wochen?|semanas?|weken|week|недел(?:я|и|ь|ю)|週間|周"),
    (
        "month",
        365 / 12,
        r"months?|mois|monaten?|monate|meses|mes|maanden|maand|месяц(?:а|ев)?|か月|ヶ月|ケ月|カ月|ヵ月"
        r"|个月|個月",
    ),
    ("year", 365, r"years?|ans?|années?|jahren?|jahre?|años?|jaren|jaar|год(?:а|у)?|лет|年間|年"),
]
# Periods without a number that still say how long ("for as long as necessary").
OPEN_PERIODS: list[tuple[str, float | None, str]] = [
    (
        "indefinitely",
        math.inf,
        r"indefinite(?:ly)?|permanent(?:ly)?|indéfiniment|unbefristet|unbegrenzt"
        r"|indefinidamente|onbepaalde tijd|бессрочно|無期限|永久",
    ),
    (
        "as long as necessary",
        None,
        r"(?:for )?as long as (?:is |it is |they are |we deem |reasonably )?"
        r"(?:necessary|needed|required)|aussi longtemps que nécessaire|solange (?:dies )?(?:erforderlich"
        r"|notwendig)"
        r"|durante el tiempo necesario|zo lang als (?:nodig|noodzakelijk)",
    ),
    (
        "while the account is active",
        None,
        r"(?:as long as|while|until) (?:you (?:have|maintain|keep) "
        r"(?:an|your) account|your account (?:is|remains) (?:active|open))",
    ),
    (
        "until the account is closed",
        None,
        r"until (?:you (?:close|delete|deactivate|terminate) (?:your|the) account|(?:your|the) account is "
        r"(?:closed|deleted|deactivated|terminated))",
    ),
    (
        "until deletion is requested",
        None,
        r"until (?:you|the customer|the user|they) (?:request|ask|instruct)\w* (?:us )?(?:to delete|(?:its "
        r"|their )?"
        r"deletion)|until (?:you delete|deleted by you|you remove) ",
    ),
    # Not kept at all: comparable with any period (0 days).
    (
        "not retained",
        0.0,
        r"(?:not|never) (?:be )?(?:retained|stored|kept|retain|store|keep)\b|zero[- ](?:data )?retention"
        r"|(?:deleted|discarded|erased) immediately|immediately (?:deleted|discarded|erased)",
    ),
]
# A number of years that is an age or a look-back window, not a period of keeping data.
NOT_A_PERIOD = (
    r"(?:under|over|older than|younger than|aged?|(?:be|is|are|aged?) at least|below|moins de|unter|menores de|jonger dan) $"
    r"|(?:past|last|preceding|previous|prior|next|first) $"
)
NOT_A_PERIOD_AFTER = r"^\s*(?:old\b|of age\b|ago\b|earlier\b|et plus|alt\b|de edad|oud\b)"
