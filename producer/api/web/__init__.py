"""The web page: server-rendered Jinja2, one small script file, English and Chinese text."""
