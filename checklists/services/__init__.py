"""Every write of the domain goes through a function here (HackSoft "services").

Views, tasks, management commands and the admin call these, so each rule has one
home and every change leaves an audit event.
"""
