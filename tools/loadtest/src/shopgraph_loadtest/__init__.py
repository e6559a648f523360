"""Load tests through the gateway with Apache JMeter (plans in the repository's `jmeter/`)."""
