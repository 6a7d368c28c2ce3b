"""Word lists the guard needs: known skills, job titles, degrees, school and organisation words, months.

Kept small and explicit; a skill the list does not know is still caught when it is capitalised
(English) or tagged as a proper noun (Chinese). Operators extend skills with a setting.
"""

from __future__ import annotations

from typing import Final


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SKILLS_EN: Final = _words(
    """
agile airflow angular ansible autocad aws azure bash bi blockchain c# c++ ci/cd confluence css
databricks devops django docker etl excel fastapi figma flask flink gcp git github gitlab golang
graphql grpc hadoop hive html illustrator java javascript jax jenkins jira k8s kafka keras
kotlin kubernetes linux llm llms looker matlab microservices mongodb mysql nlp node.js nodejs
nosql numpy opencv oracle pandas perl photoshop php postgres postgresql power powerbi python
pytorch r react redis ruby rust salesforce sap sas scala scikit-learn scipy scrum sem seo
sklearn snowflake solidworks spark spss sql sqlite stata swift tableau tensorflow terraform
transformers typescript unix vue
"""
)
# Multi-word skills, matched as phrases.
SKILL_PHRASES_EN: Final = (
    "machine learning", "deep learning", "data science", "data analysis", "computer vision",
    "natural language processing", "reinforcement learning", "a/b testing", "big data",
    "cloud computing", "data mining", "data visualization", "generative ai",
    "artificial intelligence", "power bi", "project management", "financial modeling",
    "financial modelling", "supply chain", "digital marketing", "product management",
)  # fmt: skip
SKILLS_ZH: Final = (
    "机器学习", "深度学习", "数据分析", "数据挖掘", "人工智能", "自然语言处理", "计算机视觉",
    "大数据", "云计算", "区块链", "数据可视化", "项目管理", "产品经理", "前端", "后端", "全栈",
    "算法", "强化学习", "大模型", "数据库", "微服务", "运维", "测试开发", "嵌入式",
)  # fmt: skip

# Irregular past tenses that open resume bullets ("Grew sales 20%", "Oversaw a team of 4"): at the
# start of a sentence they are verbs like any word ending -ed, not names to ground.
IRREGULAR_PAST_EN: Final = _words(
    """
began bought brought built chose co-wrote cut dealt drew drove fought found gave got grew held
kept laid lent lost made met outgrew overcame oversaw paid put ran read rebuilt redrew rewrote
rose sent set shot sold sought spent split spoke spun stood struck swept taught told took threw
underwent understood undertook upheld withdrew won wrote
"""
)

TITLES_EN: Final = _words(
    """
administrator analyst architect assistant associate captain ceo cfo chair chief co-founder
consultant coo coordinator cto designer developer director engineer evp fellow founder head
intern lead leader lecturer manager officer owner partner president principal professor
researcher scientist specialist supervisor svp vice vp
"""
)
TITLES_ZH: Final = (
    "实习生", "工程师", "经理", "总监", "主管", "组长", "负责人", "总裁", "创始人", "联合创始人",
    "首席", "研究员", "分析师", "顾问", "助理", "主任", "董事", "院长", "教授", "讲师", "队长",
    "部长", "主席", "会长", "架构师", "设计师", "科学家",
)  # fmt: skip

DEGREES_EN: Final = _words(
    """
associate's ba bachelor bachelor's bachelors bba beng bs bsc diploma doctor doctoral doctorate
dphil jd llb llm ma master master's masters mba md meng mphil ms msc phd
"""
)
DEGREES_ZH: Final = ("本科", "学士", "硕士", "博士", "研究生", "专科", "大专", "博士后", "双学位")

# A phrase holding one of these names a school or an organisation.
ORG_WORDS_EN: Final = _words(
    """
academy agency bank co. college company corp corp. corporation department foundation group
hospital inc inc. institute lab laboratory labs llc ltd ltd. ministry school university
"""
)
ORG_SUFFIX_ZH: Final = (
    "大学", "学院", "学校", "中学", "研究院", "研究所", "公司", "集团", "银行", "实验室", "科技",
    "有限公司", "医院", "中心", "协会", "基金会", "事务所", "工作室", "委员会",
)  # fmt: skip

MONTHS: Final = {
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# "May" is left out: "may" is a verb far more often than a month in a summary.

# Capitalised at the start of a sentence or bullet without naming anything: not a claim.
COMMON_EN: Final = _words(
    """
a able about achieved achieving across adds advanced after all also among an analysed analysing
analyzed analyzing and applied applying are as assisted assisting at automated automating
awarded background basic before between bilingual both brings building built but by cleaned
cleaning collaborated collaborating combines completed completing conducted conducting
contributed contributing conversational coordinated coordinating created creating currently
delivered delivering designed designing detail-oriented developed developing documented
documenting driving drove during each eager earned earning education experience experienced
familiar fluent focused for from gained gaining graduate graduated graduating had handled
handling hands-on has have he helped helping her highlights his holds i implemented implementing
improved improving in including increased increasing interested intermediate into is it its key
knowledge language languages launched launching leading led looking maintained maintaining
managed managing many mentored mentoring monitored monitoring more most motivated multiple my
native now objective of offers on optimised optimising optimized optimizing or organised
organising organized organizing other our outside over owned owning pairs partnered partnering
performed performing prepared preparing presented presenting previously processed processing
produced producing proficient profile ran ready received receiving recently reduced reducing
researched researching responsibilities responsible reviewed reviewing running seeking served
serving several she skilled skills so solid some streamlined streamlining strong student studied
studying such summary supported supporting taught teaching tested testing that the their then
these they this those through to today tracked tracking trained training under upon use used
using various via was we were what when where which while who with within without won work
worked working writing wrote yet
"""
)
