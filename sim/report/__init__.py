"""Reports: figures, HTML pages, answers in words, journeys, sweep reports and studies."""
