"""What every app's tests share: the named actors (praho.testing.actors, a pytest plugin the root
conftest.py loads), API clients and error readers (praho.testing.api) and the base of the local
fake HTTP services (praho.testing.fakes). Nothing here is collected as a test."""
