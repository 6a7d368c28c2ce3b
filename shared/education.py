"""Education entries: a free-text education cell told apart into school, degree, field and dates.

Exports write one education as `MBA Psychology, TU München`, `BSc Computer Science, University of
Leeds (2019-2022)`, `本科 计算机科学 清华大学` or `清华大学计算机系硕士`. A piece becomes the
institution only when it looks like a school (a school word in any of the usual languages, or,
beside a degree, an acronym such as MIT); a degree word (BSc, Master of …, 硕士) marks the degree
and what follows it is the field. When nothing says which piece is which, the entry is kept whole,
word for word, rather than guessed.
"""

from __future__ import annotations

import re

from shared.dates import Dates, parse_date
from shared.entries import EDGE, Entry, compact_entry, cut, has_cjk, split_entries

# Words that name a school, in the languages cohorts are exported in.
_SCHOOL = re.compile(
    r"(?i:univers(?:it|id)|uniwersytet|college|institut|istituto|school|academy|acad[eé]mi|"
    r"akademie|polytechn|politecnico|hochschule|[ée]cole|conservato|seminary|\buni\b)"
    r"|\b(?:TU|TH|FH|ETH|EPFL)\b"
    r"|大学|大學|学院|學院|学校|學校|中学|中學|研究院|研究所|研究生院|党校"
)
# Degree types that belong to the degree's name ("Bachelor of Science in Economics").
_DEGREE_OF = (
    r"(?:science|arts|engineering|philosophy|laws?|business administration|fine arts|education|"
    r"commerce|medicine|music|public health|public administration|technology|architecture|"
    r"nursing|pharmacy|social work)"
)
# English degree words. Two-letter ones (BA, MS) only in capitals, where they cannot be a word.
_EN_DEGREE = (
    r"(?:(?i:(?:bachelor|master|doctor)(?:'s|’s|s)?(?:\s+of\s+" + _DEGREE_OF + r")?"
    r"|doctorate|associate(?:'s|’s)?\s+degree|(?:high\s+school\s+|postgraduate\s+)?diploma|"
    r"postgraduate\s+certificate|b\.?\s?sc|m\.?\s?sc|b\.?\s?eng|m\.?\s?eng|b\.?\s?com|m\.?\s?com|"
    r"b\.?\s?ed|m\.?\s?ed|bba|bfa|mfa|e?mba|mpa|mph|m\.?\s?phil|d\.?\s?phil|m\.?\s?res|"
    r"ll\.?\s?b|ll\.?\s?m|ph\.?\s?d|ed\.?\s?d|dba|hnd)"
    r"|B\.?A|M\.?A|B\.?S|M\.?S|M\.?D|J\.?D)\.?"
    r"(?:\s*[(（](?i:hons?\.?|honours|honors)[)）]|\s+(?i:hons\.?|honours|honors))?"
    r"(?:\s+(?i:degree))?"
)
_EN_START = re.compile(rf"^(?P<degree>{_EN_DEGREE})(?![\w])(?P<rest>.*)$")
_EN_END = re.compile(rf"^(?P<rest>.+?)[\s,]*[(（]?(?P<degree>{_EN_DEGREE})[)）]?$")
_EN_ANY = re.compile(rf"(?<![\w]){_EN_DEGREE}(?![\w])")
_LEAD = re.compile(r"^(?:\s*[,:：\-–—]\s*|\s+(?i:in|of)\s+|\s+)")
# Chinese degree words; a discipline before 学士/硕士/博士 (工学硕士) is part of the degree's name.
_ZH_DEGREE = re.compile(
    r"(?:(?:工学|理学|文学|法学|经济学|管理学|医学|农学|教育学|艺术学|哲学|历史学|军事学|"
    r"工商管理|公共管理)?(?:学士|硕士|博士)(?:学位)?(?:研究生)?|博士后|本科|专科|大专|高职|中专|"
    r"研究生|高中)(?:在读|毕业|学历|学位)?"
)
_ZH_SCHOOL_END = re.compile(r"大学|大學|学院|學院|学校|學校|中学|中學|研究院|研究所|研究生院|分校")
_ZH_ONLY = re.compile(r"^[\u3400-\u9fff（）()·]+$")
# Acronyms that name a subject, never a school ("MSc, CS").
_SUBJECTS = frozenset({
    "CS", "IT", "AI", "ML", "EE", "ECE", "CSE", "EEE", "HR", "PE", "IR", "PPE", "IS", "MIS", "BI",
    "UX", "UI", "QA", "CE", "ME", "IE", "BME", "PR", "IB", "HCI", "NLP", "GIS",
})  # fmt: skip
_AMBIGUOUS = re.compile(r"BA|MA|BS|MS|MD|JD")
# How the name of a field of study ends in Chinese (计算机科学, 软件工程, 金融学, 计算机系).
_ZH_FIELD = re.compile(
    r"^[\u3400-\u9fff]+(?:学|工程|技术|科学|管理|专业|系|方向|计算机|自动化|会计|金融|经济|信息|"
    r"通信|电子|机械|设计|法|英语|营销|贸易|新闻|传播|艺术|护理|统计)$"
)
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,6}$")
_SCORE = re.compile(
    r"^(?i:c?gpa|grade|average|平均绩点|绩点|成绩)\s*[:：]?\s*(?P<score>\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?)$"
)
_STATUS = re.compile(r"(?i:candidate|student|programme|program|course|in progress)")
# A slash splits only between spaces or beside Chinese ("清华大学/计算机/本科"), not "AI/ML".
_PIECES = re.compile(
    r"\s*[,，|、;；]\s*|\s+[-–—·/]\s+|\s*[–—]\s*|(?<=[\u3400-\u9fff])\s*/\s*|\s*/\s*(?=[\u3400-\u9fff])"
)
_AT = re.compile(r"^(?P<degree>.+?)\s+(?i:at|from|@)\s+(?P<school>.+)$")


def parse_education(text: str) -> Entry:
    """One education entry: institution, degree and field when they can be told apart."""
    parts = cut(text)
    header = parts.header if parts else text
    dates = parts.dates if parts else None
    description = parts.description if parts else ""
    found = _tell_apart(header)
    if dates is None and found is not None and "date" in found:
        date = found.pop("date")  # "Ph.D., ETH Zürich, 2020": a piece that is only a date
        dates = Dates(date, date, (0, 0))
    if found is None:
        # Nothing says which part is the school: keep the entry whole rather than guess.
        found = {"institution": header}
    return compact_entry(
        **found,
        startDate=dates.start if dates else None,
        endDate=dates.end if dates else None,
        courses=[description] if description else [],
    )


def parse_educations(cell: str) -> list[Entry]:
    out: list[Entry] = []
    for text, bullet in split_entries(cell):
        if bullet and out:
            out[-1].setdefault("courses", []).append(text)
        else:
            out.append(parse_education(text))
    return out


def looks_like_school(text: str) -> bool:
    """True when the text names a school by a school word (University, Hochschule, 大学, TU …)."""
    return _SCHOOL.search(text) is not None


def _tell_apart(header: str) -> dict[str, str] | None:
    """institution / studyType / area / score of an entry's header; None when unsure."""
    pieces, joiner = _pieces(header)
    score = None
    kept: list[str] = []
    date = None
    for piece in pieces:
        match = _SCORE.fullmatch(piece)
        if match and score is None:
            score = match["score"]
        elif date is None and (date := parse_date(piece)) is not None:
            continue
        else:
            kept.append(piece)
    pieces = kept
    degrees = [i for i, p in enumerate(pieces) if _has_degree(p)]
    schools = [i for i, p in enumerate(pieces) if looks_like_school(p)]
    # A school piece that holds no degree word wins ("High School Diploma, Lincoln High School").
    school = next((i for i in schools if i not in degrees), schools[0] if schools else None)
    degree = next((i for i in degrees if i != school), None)
    if school is None:
        if degree is None:
            return None
        others = [i for i in range(len(pieces)) if i != degree]
        kind, field = _degree_and_field(pieces[degree])
        if _AMBIGUOUS.fullmatch(kind):
            return None  # "MS Excel course": a two-letter degree alone is not enough to go on
        # Without a school, Chinese pieces that name a field are the field ("硕士 软件工程");
        # anything else may be a school's short name (清华, 北大) and is not guessed at.
        if all(_ZH_FIELD.search(pieces[i]) for i in others):
            found = " ".join(filter(None, [field, *(pieces[i] for i in others)]))
            return _fields(None, kind, found or None, score, date)
        # Beside a degree, a lone acronym is the school ("MBA, INSEAD"); anything else is unsure.
        if len(others) == 1 and _is_acronym(pieces[others[0]]):
            school = others[0]
        else:
            return None
    study_type: str | None = None
    area: str | None = None
    if degree is not None:
        study_type, area = _degree_and_field(pieces[degree])
    institution = pieces[school]
    leftovers = [i for i in range(len(pieces)) if i not in (school, degree)]
    if area is not None:
        # The field is known: pieces right after the school are part of its name
        # ("University of California, Berkeley").
        following = school + 1
        while following in leftovers:
            institution += ", " + pieces[following]
            leftovers.remove(following)
            following += 1
    if leftovers:
        rest = joiner.join(pieces[i] for i in leftovers)
        area = rest if area is None else f"{area}{joiner}{rest}"
    if area is not None and has_cjk(area) and area.endswith("专业") and len(area) > 2:
        area = area[:-2]  # "计算机专业": the field is 计算机 (the 专业 is said by the writer)
    return _fields(institution, study_type, area, score, date)


def _fields(
    institution: str | None,
    study_type: str | None,
    area: str | None,
    score: str | None,
    date: str | None,
) -> dict[str, str]:
    found = {
        "institution": institution, "studyType": study_type, "area": area, "score": score,
        "date": date,
    }  # fmt: skip
    return {k: v for k, v in found.items() if v}


def _pieces(header: str) -> tuple[list[str], str]:
    """The header's pieces and the text that joins leftover pieces back together."""
    pieces = [p.strip(EDGE) for p in _PIECES.split(header) if p.strip(EDGE)]
    joiner = ", "
    if len(pieces) == 1 and has_cjk(header):
        # "本科 计算机科学 清华大学": each Chinese word is a piece; a run of other words is one
        # ("清华大学 Computer Science 本科").
        runs: list[tuple[bool, list[str]]] = []
        for token in header.split():
            chinese = _ZH_ONLY.match(token) is not None
            if runs and not chinese and not runs[-1][0]:
                runs[-1][1].append(token)
            else:
                runs.append((chinese, [token]))
        if len(runs) > 1:
            pieces, joiner = [" ".join(words) for _, words in runs], " "
    out: list[str] = []
    for piece in pieces:
        out += _split_piece(piece)
    return out, joiner


def _split_piece(piece: str) -> list[str]:
    """One piece that holds a school and more: "MSc X at Imperial College", "清华大学计算机系硕士"."""
    match = _AT.match(piece)
    if match and looks_like_school(match["school"]) and _has_degree(match["degree"]):
        return [match["degree"], match["school"]]
    if not _ZH_ONLY.match(piece):
        # "University of Leeds BSc Computer Science", "Harvard Business School MBA": a school,
        # then a degree that names no school.
        degree = _EN_ANY.search(piece)
        if degree is not None and degree.start() > 0:
            school, rest = piece[: degree.start()].strip(EDGE), piece[degree.start() :]
            if looks_like_school(school) and not looks_like_school(rest):
                return [school, rest]
        return [piece]
    if not looks_like_school(piece):
        return [piece]
    # Chinese written without spaces: degree words at either end, the school (extended over
    # its faculty, "北京大学光华管理学院"), then the field.
    out: list[str] = []
    head = _ZH_DEGREE.match(piece)
    if head and head.end() < len(piece):
        out.append(head[0])
        piece = piece[head.end() :]
    tail = ""
    last = None
    for match in _ZH_DEGREE.finditer(piece):
        last = match
    if last is not None and last.end() == len(piece) and last.start() > 0:
        piece, tail = piece[: last.start()], last[0]
    ends = [m.end() for m in _ZH_SCHOOL_END.finditer(piece)]
    if not ends or ends[0] < 2:
        return [*out, piece, *([tail] if tail else [])]
    out.append(piece[: ends[-1]])
    if ends[-1] < len(piece):
        out.append(piece[ends[-1] :])
    if tail:
        out.append(tail)
    return out


def _has_degree(piece: str) -> bool:
    return _EN_ANY.search(piece) is not None or _ZH_DEGREE.search(piece) is not None


def _is_acronym(piece: str) -> bool:
    return _ACRONYM.match(piece) is not None and piece not in _SUBJECTS


def _degree_and_field(piece: str) -> tuple[str, str | None]:
    """("BSc", "Computer Science") from "BSc Computer Science"; the piece whole when unclear."""
    match = _EN_START.match(piece)
    if match:
        rest = _LEAD.sub("", match["rest"], count=1).strip(EDGE)
        if _STATUS.fullmatch(rest):
            return piece, None  # "PhD candidate": no field written
        return match["degree"].strip(), rest or None
    match = _EN_END.match(piece)
    if match and not _EN_ANY.search(match["rest"]):
        return match["degree"].strip(), match["rest"].strip(EDGE + "(（") or None
    match = _ZH_DEGREE.search(piece)
    if match:
        rest = (piece[: match.start()] + piece[match.end() :]).strip(EDGE)
        return match[0], rest or None
    return piece, None
