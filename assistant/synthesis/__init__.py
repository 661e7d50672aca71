"""Synthesis: answers -> evidence segments -> embeddings -> themes per component."""
