"""Benchmark: TemplateWriter then every renderer in one process; prints resumes/s per core.

Usage: python bench/render.py [--n 1000] [--seed 7]

Everything runs in one thread of one process, so each rate is a per-core figure. The PDF
renderer's one-off start (Typst compiler creation, font scan, first compile) is timed apart
from the steady state. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from shared.profile import Profile, Resume
from workers.render import build_renderers
from workers.render.fonts import find_cjk_font_dir
from workers.render.pdf import TEMPLATE, PdfRenderer
from workers.writers.template import TemplateWriter

EN_FIRST = ["Alice", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Isla", "Jonas"]
EN_LAST = ["Nguyen", "Smith", "Garcia", "Okafor", "Novak", "Tanaka", "Murphy", "Rossi", "Kim"]
EN_ORGS = ["Acme Corp", "Northwind Traders", "Globex", "Initech", "Umbrella Health", "Vandelay"]
EN_TITLES = ["Data Analyst", "Software Engineer Intern", "Research Assistant", "Teaching Assistant"]
EN_SCHOOLS = ["Example University", "State College", "Institute of Technology"]
EN_AREAS = ["Computer Science", "Economics", "Mechanical Engineering", "Statistics", "Biology"]
EN_SKILLS = ["Python", "SQL", "Excel", "Tableau", "Java", "R", "Git", "Docker", "Figma", "MATLAB"]
EN_BULLETS = [
    "Built a weekly sales dashboard used by the regional team.",
    "Cleaned and merged survey data from 1,200 respondents.",
    "Wrote unit tests for the billing service.",
    "Presented findings to the product group every sprint.",
    "Automated the month-end report with Python and SQL.",
]
ZH_FIRST = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰"]
ZH_LAST = ["张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
ZH_ORGS = ["示例科技有限公司", "华东数据公司", "某某银行上海分行", "未来教育集团"]
ZH_TITLES = ["数据分析实习生", "软件开发实习生", "科研助理", "产品运营实习生"]
ZH_SCHOOLS = ["示例大学", "华东理工学院", "南方财经大学"]
ZH_AREAS = ["计算机科学与技术", "金融学", "机械工程", "统计学", "生物技术"]
ZH_BULLETS = [
    "负责每周销售数据报表的整理与分析。",
    "参与客户调研，整理1200份问卷数据。",
    "使用Python编写自动化脚本，替代手工月报。",
    "协助完成后端接口的单元测试。",
]


def _date(rng: random.Random, year: int) -> str:
    # Mixed precision on purpose: years, months and days all occur in real exports.
    kind = rng.random()
    if kind < 0.3:
        return str(year)
    if kind < 0.9:
        return f"{year}-{rng.randint(1, 12):02d}"
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def make_profile(rng: random.Random, index: int) -> dict[str, Any]:
    zh = index % 3 == 2  # one in three Chinese
    grad = rng.randint(2019, 2026)
    work = []
    for k in range(rng.randint(0, 3)):
        start = grad - k - 1
        entry: dict[str, Any] = {
            "name": rng.choice(ZH_ORGS if zh else EN_ORGS),
            "position": rng.choice(ZH_TITLES if zh else EN_TITLES),
            "startDate": _date(rng, start),
        }
        if k:
            entry["endDate"] = _date(rng, start)
        bullets = rng.sample(ZH_BULLETS if zh else EN_BULLETS, rng.randint(1, 3))
        if rng.random() < 0.5:
            entry["highlights"] = bullets
        else:
            entry["summary"] = ("" if zh else " ").join(bullets)
        work.append(entry)
    skills = rng.sample(EN_SKILLS, rng.randint(2, 6))
    first, last = (ZH_LAST, ZH_FIRST) if zh else (EN_FIRST, EN_LAST)
    name = (
        f"{rng.choice(first)}{rng.choice(last)}"
        if zh
        else f"{rng.choice(first)} {rng.choice(last)}"
    )
    return {
        "basics": {
            "name": name,
            "email": f"student{index}@example.edu",
            "phone": f"+1 555 {index % 10000:04d}",
            "location": {"city": "上海" if zh else "Boston", "countryCode": "CN" if zh else "US"},
            "profiles": [{"network": "GitHub", "url": f"https://github.com/user{index}"}],
        },
        "work": work,
        "education": [
            {
                "institution": rng.choice(ZH_SCHOOLS if zh else EN_SCHOOLS),
                "area": rng.choice(ZH_AREAS if zh else EN_AREAS),
                "studyType": "本科" if zh else "Bachelor",
                "startDate": _date(rng, grad - 4),
                "endDate": _date(rng, grad),
                "score": f"{rng.uniform(3.0, 4.0):.2f}",
                "courses": ["数据结构", "概率论"] if zh else ["Data Structures", "Probability"],
            }
        ],
        "skills": [{"name": "编程" if zh else "Technical", "keywords": skills}],
        "projects": [
            {
                "name": "校园二手交易平台" if zh else "Campus Marketplace",
                "startDate": _date(rng, grad - 1),
                "highlights": [rng.choice(ZH_BULLETS if zh else EN_BULLETS)],
            }
        ],
        "awards": [{"title": "一等奖学金" if zh else "Dean's List", "date": _date(rng, grad - 2)}],
        "languages": [
            {"language": "英语" if zh else "English", "fluency": "CET-6" if zh else "Native"}
        ],
        "meta": {"language": "zh" if zh else "en"},
    }


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def _render_all(render: Callable[[Resume], bytes], resumes: Sequence[Resume]) -> int:
    return sum(len(render(r)) for r in resumes)


def _fresh_compile_rate(resumes: Sequence[Resume]) -> float:
    """The naive way for comparison: `typst.compile` per resume, fonts rescanned every call."""
    import typst

    renderer = PdfRenderer()
    fonts = [str(d) for d in [find_cjk_font_dir()] if d]
    start = time.perf_counter()
    for resume in resumes:
        data = json.dumps(renderer.document(resume), ensure_ascii=False)
        typst.compile(str(TEMPLATE), font_paths=fonts, sys_inputs={"data": data})
    return _rate(len(resumes), time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of synthetic resumes")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    n: int = args.n

    rng = random.Random(args.seed)
    profiles = [Profile.model_validate(make_profile(rng, i)) for i in range(n)]
    writer = TemplateWriter()
    renderers = build_renderers(["md", "html", "pdf", "json"])

    figures: dict[str, float | int] = {"n": n}
    resumes: list[Resume] = []

    start = time.perf_counter()
    resumes.extend(writer.write(profiles))
    seconds = {"writer": time.perf_counter() - start}
    # Warm-up: one English and one Chinese resume through every renderer. For the PDF this is
    # the Typst compiler's creation, font scan and first compiles (timed and reported apart).
    zh = next(r for r in resumes if r.meta.language == "zh")
    for name, renderer in renderers.items():
        start = time.perf_counter()
        renderer.render(resumes[0])
        renderer.render(zh)
        if name == "pdf":
            figures["pdf_first_two_ms"] = round((time.perf_counter() - start) * 1000, 1)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sizes: dict[str, int] = {}
    cpu: dict[str, float] = {}
    for name, renderer in renderers.items():
        start, start_cpu = time.perf_counter(), time.process_time()
        sizes[name] = _render_all(renderer.render, resumes)
        seconds[name] = time.perf_counter() - start
        # CPU time over wall time: near 1.0 means the renderer really uses one core.
        cpu[name] = (time.process_time() - start_cpu) / seconds[name]
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures["pdf_cpu_per_wall_ratio"] = round(cpu["pdf"], 2)
    pdf = renderers["pdf"]
    for lang in ("en", "zh"):
        subset = [r for r in resumes if r.meta.language == lang][:300]
        start = time.perf_counter()
        _render_all(pdf.render, subset)
        figures[f"pdf_{lang}_resumes_per_s_per_core"] = round(
            _rate(len(subset), time.perf_counter() - start), 1
        )
    figures["pdf_fresh_compile_resumes_per_s"] = round(_fresh_compile_rate(resumes[:20]), 1)
    seconds["total"] = sum(seconds.values())

    rows = []
    for stage in ("writer", "md", "html", "pdf", "json", "total"):
        rate = _rate(n, seconds[stage])
        figures[f"{stage}_resumes_per_s_per_core"] = round(rate, 1)
        figures[f"{stage}_ms_per_resume"] = round(seconds[stage] * 1000 / n, 3)
        rows.append((stage, rate, seconds[stage] * 1000 / n, sizes.get(stage, 0) / n))
    figures["pdf_speedup_vs_fresh_compile"] = round(
        figures["pdf_resumes_per_s_per_core"] / figures["pdf_fresh_compile_resumes_per_s"], 1
    )
    figures["pdf_mean_kib"] = round(sizes["pdf"] / n / 1024, 1)
    figures["zh_share"] = round(sum(r.meta.language == "zh" for r in resumes) / n, 3)
    figures["peak_rss_growth_mib_during_renders"] = round((rss_after - rss_before) / 1024, 1)
    figures["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    print(
        f"cohortcv render bench: n={n} ({figures['zh_share']:.0%} Chinese), one process, one core"
    )
    print(f"{'stage':<8}{'resumes/s':>12}{'ms/resume':>12}{'bytes/resume':>14}")
    for stage, rate, ms, size in rows:
        print(f"{stage:<8}{rate:>12,.0f}{ms:>12.3f}{size:>14,.0f}")
    print(f"pdf warm-up (compiler + first en and zh resume): {figures['pdf_first_two_ms']} ms")
    print(f"pdf CPU time / wall time: {figures['pdf_cpu_per_wall_ratio']}")
    print(
        f"pdf English {figures['pdf_en_resumes_per_s_per_core']:,.0f}/s, "
        f"Chinese {figures['pdf_zh_resumes_per_s_per_core']:,.0f}/s; a fresh typst.compile per "
        f"resume: {figures['pdf_fresh_compile_resumes_per_s']:,.1f}/s "
        f"(reuse is {figures['pdf_speedup_vs_fresh_compile']}x faster)"
    )
    print(
        f"peak RSS {figures['peak_rss_mib']} MiB; growth while rendering "
        f"{figures['peak_rss_growth_mib_during_renders']} MiB"
    )
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
