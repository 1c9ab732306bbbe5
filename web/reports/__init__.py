"""Reports for people: the fairness and diversity report and the bandit simulation's plot."""

from web.reports.html import render_fairness_html
from web.reports.plots import bandit_png, lorenz_png, popularity_png

__all__ = ["bandit_png", "lorenz_png", "popularity_png", "render_fairness_html"]
