"""`loadspec check`: each spec run once, its replies judged against the contract.

`plan` (which specs run, and why the others do not), `outcome` (statuses and reason codes)
and `report` (console, JSON, JUnit, Markdown, HTML, baseline) are pure; `run` sends, on
gevent, through the Locust layer's transport.
"""
