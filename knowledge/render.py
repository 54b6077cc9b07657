"""Readable Chinese renderings of KB records, for hotline agents and editors (CLI ``show``)."""

from __future__ import annotations

from typing import Any, Dict, List


def book(title: str) -> str:
    """A guide's title in book-title marks, once (咸安's title already begins with its own 《…》)."""
    return title if title.startswith("《") else f"《{title}》"


def _block(title: str, text: str) -> List[str]:
    if not text:
        return [f"【{title}】本指南未载明"]
    return [f"【{title}】"] + [f"  {line}" for line in text.split("\n")]


def render_record(rec: Dict[str, Any]) -> str:
    """One business variant as an agent would want it on screen: everything, with sources."""
    code = rec["code"] or "无国家编码"
    if rec["code"] and rec["code_inferred"]:
        code += "（按名称推断）"
    head = rec["name"] + (f" · {rec['variant']}" if rec["variant"] else "")
    if rec["level"]:
        head += f"（{rec['level']}）"
    lines = [
        f"{head}",
        f"地区：{rec['region']}    编码：{code}",
        f"主项：{rec['main_name'] or '—'}",
        f"来源：{rec['guide_title']}，{rec['source']}",
        "",
    ]
    lines += _block("服务对象", rec["target"])
    if rec["unit"]:
        lines += _block("受理单位", rec["unit"])
    lines += _block("办理渠道", rec["channels"])
    lines += _block("办理流程", rec["process"])
    lines += _block("办理材料（一次性告知）", rec["materials_numbered"] or rec["materials"])
    lines += _block("办理时限", rec["time_limit"])
    for key, title in (("query", "查询方式"), ("consult", "咨询方式"), ("contact", "咨询/监督电话及地址")):
        if rec[key]:
            lines += _block(title, rec[key])
    lines += _block("监督电话", rec["supervision"])
    lines += _block("评价渠道", rec["evaluation"])
    lines += _block("设定依据", rec["legal_basis"])
    if rec["forms"]:
        lines.append("【相关表格】")
        for f in rec["forms"]:
            label = f"（{f['label']}）" if f["label"] else ""
            lines.append(f"  {f['title']}{label}  {f['source']}")
    for c in rec["structured"]["conflicts"]:
        lines.append(f"【注意】指南写“{c['guide']}”，{c['other_source']}写“{c['other']}”")
    return "\n".join(lines)
