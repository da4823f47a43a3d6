"""The embedded user pool: a self-hosted model of an AWS Cognito user pool, faithful to its observable behaviour.

State lives in SQLite (`store`): in the process by default, or in a file that survives restarts and that
several worker processes share. `identity_provider` answers the port; the other modules each hold one
concern of the pool (users and passwords, codes, tokens, challenges and MFA, listing users).
"""
