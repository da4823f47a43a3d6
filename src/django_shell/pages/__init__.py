"""The account pages under `/account/`: a second delivery shell, in HTML for people in a browser, over
the use-cases that the REST API serves (see the README's "Account pages")."""
