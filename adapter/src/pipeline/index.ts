export * from '@crosswire/orchestrator/pipeline';
