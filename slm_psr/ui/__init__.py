"""The Streamlit pages: thin scripts that read state, call the core and render."""
